import { resolve } from 'node:path'
import type { Config } from '../config.js'
import { askControlChannel } from '../embedded/control-channel.js'
import { DataDirInUseError, dataDirHolder } from '../embedded/data-dir-lock.js'
import { createLogger } from '../logger.js'
import { CommandFailure } from './entry-point.js'
import type { MaintenanceRequest } from './maintenance-request.js'

// PGlite, the queue and the worker are loaded only when the command opens the data itself: a
// command handed to the running service needs none of them, and loading them costs seconds.
const openData = async (): Promise<typeof import('../embedded/embedded-infrastructure.js')> => await import('../embedded/embedded-infrastructure.js')

/**
 * `npm run admins`, `keys` and `sweep` on embedded data (the same choice of mode as `npm start`).
 * When `npm start` holds DATA_DIR, the command asks it over its control channel, so that an
 * operator creates the first admin account, or a key, without stopping the service. When no
 * process holds it, the command opens the database itself. Like on a server, only `npm start`
 * and `npm run migrate` create a database: a mistyped DATA_DIR is refused instead of filled.
 */
export async function maintainEmbeddedData (config: Config, request: MaintenanceRequest, logLevel: string): Promise<void> {
  const dataDir = resolve(config.DATA_DIR)
  const holder = await dataDirHolder(dataDir)
  if (holder !== undefined) {
    await askHolder(dataDir, holder, request)
    return
  }
  const [{ openEmbeddedInfrastructure }, { embeddedDatabaseExists }, { runMaintenance }] = await Promise.all([
    openData(), import('../embedded/embedded-postgres.js'), import('./maintenance-request.js')
  ])
  if (!embeddedDatabaseExists(dataDir)) {
    throw new CommandFailure(`docqueue: no embedded database in DATA_DIR=${dataDir}; \`npm start\` or \`npm run migrate\` creates it (or set DATA_DIR, or DATABASE_URL for a server)`, 1)
  }
  let infra: Awaited<ReturnType<typeof openEmbeddedInfrastructure>>
  try {
    infra = await openEmbeddedInfrastructure(config, createLogger(logLevel, `docqueue-${request.command}`))
  } catch (error) {
    // Taken between the look and the lock: by a service, which then answers.
    if (!(error instanceof DataDirInUseError)) throw error
    await askHolder(dataDir, error.holder, request)
    return
  }
  try {
    await runMaintenance(infra, request, (line) => { console.log(line) })
  } finally {
    await infra.close()
  }
}

/** `npm run migrate` on embedded data: creates the database if missing and migrates it, which needs the folder to itself. */
export async function migrateEmbeddedData (config: Config): Promise<void> {
  const { openEmbeddedInfrastructure } = await openData()
  let infra: Awaited<ReturnType<typeof openEmbeddedInfrastructure>>
  try {
    infra = await openEmbeddedInfrastructure(config, createLogger('warn', 'docqueue-migrate'))
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error
    // The service migrated the data when it started, with its own code; newer code's migrations wait for a restart.
    throw new CommandFailure(`docqueue: the docqueue service (pid ${error.holder}) is using ${resolve(config.DATA_DIR)} and migrated it when it started; to apply newer migrations, stop it and run \`npm run migrate\` (or \`npm start\`, which migrates too)`, 1)
  }
  try {
    console.log(infra.migrations.length === 0 ? 'database is up to date' : `applied ${infra.migrations.join(', ')}`)
  } finally {
    await infra.close()
  }
}

async function askHolder (dataDir: string, holder: number, request: MaintenanceRequest): Promise<void> {
  const answer = await askControlChannel(dataDir, request).catch((error: NodeJS.ErrnoException) => {
    // No socket: the holder is still creating the database, or is another command (only `npm start` listens).
    throw new CommandFailure(`docqueue: the docqueue process (pid ${holder}) using ${dataDir} does not answer on its control socket (${error.code ?? error.message}); if it is starting, try again in a minute, otherwise once it has stopped`, 1)
  })
  for (const line of answer.lines) console.log(line)
  if (answer.error !== undefined) throw new CommandFailure(`docqueue: ${answer.error}`, 1)
}
