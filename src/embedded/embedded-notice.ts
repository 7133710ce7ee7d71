/**
 * What `npm start` prints when it runs embedded: the mode, where the data lives, what it is not
 * for, how to get into the admin UI, and how to move to real servers. One block, on the
 * terminal, whatever LOG_LEVEL says.
 */
export function embeddedNotice (dataDir: string): string {
  return [
    'docqueue: running EMBEDDED: no PostgreSQL or Redis is configured (DATABASE_URL, REDIS_URL) or answering on localhost,',
    `  so the database is PGlite (PostgreSQL in WebAssembly) in this process, kept in ${dataDir},`,
    '  and wake-ups go to the worker in this process instead of through Redis.',
    '  For trying docqueue and small installs: PGlite runs every query one at a time, so it is not for load,',
    '  and only this process opens the data: npm run admins, keys and sweep reach it through this process.',
    '  The admin UI is at /admin; create its first account (in another terminal, while this runs) with',
    '    npm run admins -- create --name NAME --role admin',
    '  To move to real servers: set DATABASE_URL and REDIS_URL (or start them on localhost); see "Embedded mode" in the README.',
    ''
  ].join('\n')
}
