import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { appendFile, chmod, chown, copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from '../helpers/free-port.js'

const run = promisify(execFile)
const DEBIAN_ROOT = '/usr/lib/postgresql'

/** Why a private cluster cannot be made on this machine; the scenario is then skipped. */
export class ClusterUnavailable extends Error {
  override name = 'ClusterUnavailable'
}

/** The newest Debian PostgreSQL bin directory with initdb and pg_ctl, or FAULTS_PG_BIN. */
function findBinDir (): string {
  const override = process.env.FAULTS_PG_BIN
  if (override !== undefined && override !== '') return override
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT).filter((name) => /^\d+(\.\d+)?$/.test(name)).sort((a, b) => Number(b) - Number(a))
    : []
  for (const version of versions) {
    const bin = join(DEBIAN_ROOT, version, 'bin')
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin
  }
  throw new ClusterUnavailable(`no PostgreSQL binaries under ${DEBIAN_ROOT}/<version>/bin (set FAULTS_PG_BIN)`)
}

async function idOf (user: string, flag: '-u' | '-g'): Promise<number> {
  const { stdout } = await run('id', [flag, user])
  return Number(stdout.trim())
}

/**
 * A throwaway PostgreSQL cluster in a temp directory, on a free loopback port with trust auth,
 * that the harness may stop and start at will. initdb refuses to run as root, so as root every
 * server command runs as the `postgres` OS user, in a directory that user owns.
 */
export class PrivateCluster {
  readonly port: number
  readonly #bin: string
  readonly #dir: string
  readonly #asUser: string[]

  private constructor (port: number, bin: string, dir: string, asUser: string[]) {
    this.port = port
    this.#bin = bin
    this.#dir = dir
    this.#asUser = asUser
  }

  /** Creates and starts the cluster; throws {@link ClusterUnavailable} when this machine cannot. */
  static async create (): Promise<PrivateCluster> {
    const bin = findBinDir()
    const dir = await mkdtemp(join(tmpdir(), 'docq-faults-pg-'))
    let asUser: string[] = []
    try {
      if (process.getuid?.() === 0) {
        const uid = await idOf('postgres', '-u').catch(() => NaN)
        const gid = await idOf('postgres', '-g').catch(() => NaN)
        if (Number.isNaN(uid) || Number.isNaN(gid)) throw new ClusterUnavailable('running as root and there is no postgres OS user to run initdb as')
        await chown(dir, uid, gid)
        asUser = ['runuser', '-u', 'postgres', '--']
      }
      await chmod(dir, 0o700)
      const cluster = new PrivateCluster(await freePort(), bin, dir, asUser)
      await cluster.#init()
      await cluster.start()
      return cluster
    } catch (error) {
      await rm(dir, { recursive: true, force: true })
      if (error instanceof ClusterUnavailable) throw error
      throw new ClusterUnavailable(`could not create a private cluster: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`)
    }
  }

  get url (): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`
  }

  get #data (): string {
    return join(this.#dir, 'data')
  }

  async #as (command: string, args: string[], timeoutMs = 60_000): Promise<void> {
    const [file, ...rest] = [...this.#asUser, join(this.#bin, command), ...args]
    await run(file, rest, { timeout: timeoutMs })
  }

  async #init (): Promise<void> {
    await this.#as('initdb', ['-D', this.#data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
    // Loopback TCP only and a private socket directory. fsync is off (only a host crash loses
    // fsync-less writes, and this cluster need not survive one), but synchronous_commit stays on:
    // the immediate (crash) stop would otherwise lose acknowledged commits and fake a service bug.
    await appendFile(join(this.#data, 'postgresql.conf'), [
      '', `port = ${this.port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${this.#dir}'`,
      'fsync = off', 'max_connections = 100', ''
    ].join('\n'))
  }

  /** Starts the server and waits until it accepts connections. */
  async start (): Promise<void> {
    await this.#as('pg_ctl', ['-D', this.#data, '-l', join(this.#dir, 'server.log'), '-w', '-t', '60', 'start'])
  }

  /** Stops the server: `fast` ends sessions cleanly, `immediate` is a crash without shutdown. */
  async stop (mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.#as('pg_ctl', ['-D', this.#data, '-m', mode, '-w', '-t', '60', 'stop'])
  }

  /** Copies the server log next to the harness logs. */
  async saveLog (target: string): Promise<void> {
    await copyFile(join(this.#dir, 'server.log'), target).catch(() => {})
  }

  /** Stops the server if it runs and deletes the cluster. */
  async destroy (): Promise<void> {
    await this.stop('immediate').catch(() => {})
    await rm(this.#dir, { recursive: true, force: true })
  }
}
