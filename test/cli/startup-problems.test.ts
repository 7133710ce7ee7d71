import { freePort } from '../helpers/free-port.js'
import t from 'tap'
import { binCommand, databaseUrlNamed, isOneLine } from '../helpers/bin-command.js'
import { TestContext } from '../helpers/context.js'

// What a newcomer sees when Postgres is not where DATABASE_URL says: one line naming the
// setting to fix and exit 1, never a stack trace, and never a database made by mistake.
// Each case starts node processes, which take tens of seconds on a busy machine: the file's
// time limit bounds a hang, not the speed.
t.setTimeout(300_000)
const context = TestContext.create(t)
const stack = await context.stack()

async function databaseExists (database: string): Promise<boolean> {
  const { rowCount } = await stack.pool.query('select 1 from pg_database where datname = $1', [database])
  return rowCount === 1
}

t.test('Postgres not answering: one line naming DATABASE_URL without its password, exit 1', async (t) => {
  const url = `postgres://someone:secret@127.0.0.1:${await freePort()}/docqueue`
  const outcome = await binCommand('keys.ts', ['list'], { DATABASE_URL: url })
  t.equal(outcome.code, 1)
  t.match(outcome.stderr, /cannot reach PostgreSQL \(DATABASE_URL=postgres:\/\/someone:\*\*\*@127\.0\.0\.1:\d+\/docqueue\): ECONNREFUSED/)
  t.notMatch(outcome.stderr, /secret/, 'the password is not printed')
  isOneLine(t, outcome.stderr)
})

t.test('a mistyped database name is refused by keys and the API, and no database is created', async (t) => {
  const missing = `docq_typo_${process.pid}`
  const url = databaseUrlNamed(context.config.DATABASE_URL, missing)
  const outcomes = await Promise.all([binCommand('keys.ts', ['list'], { DATABASE_URL: url }), binCommand('api.ts', [], { DATABASE_URL: url, PORT: '0' })])
  for (const [script, outcome] of [['keys', outcomes[0]], ['api', outcomes[1]]] as const) {
    t.equal(outcome.code, 1, script)
    t.match(outcome.stderr, new RegExp(`database "${missing}" does not exist .*npm run migrate`), script)
    isOneLine(t, outcome.stderr)
  }
  t.notOk(await databaseExists(missing), 'nothing created the mistyped database')
})

t.test('migrate creates a missing database', async (t) => {
  const fresh = `docq_fresh_${process.pid}`
  t.teardown(async () => { await stack.pool.query(`drop database if exists ${fresh}`) })
  const migrated = await binCommand('migrate.ts', [], { DATABASE_URL: databaseUrlNamed(context.config.DATABASE_URL, fresh) })
  t.equal(migrated.code, 0, migrated.stderr)
  t.match(migrated.stdout, /^applied 001_initial/)
  t.ok(await databaseExists(fresh))
})
