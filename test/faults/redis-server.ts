import { mkdir } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { ManagedProcess } from './child-process.js'
import { freePort } from '../helpers/free-port.js'
import { waitFor } from './poll.js'

/**
 * Sends one command to a Redis on loopback over RESP and returns the first reply line.
 * Enough for PING and FLUSHALL without a client library whose reconnects would blur the faults.
 */
export async function redisCommand (port: number, args: string[], timeoutMs = 2_000): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let reply = ''
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`redis :${port} did not answer ${args[0]} within ${timeoutMs} ms`)) }, timeoutMs)
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`)
    })
    socket.on('data', (data) => {
      reply += data.toString('utf8')
      const end = reply.indexOf('\r\n')
      if (end === -1) return
      clearTimeout(timer)
      socket.end()
      resolve(reply.slice(0, end))
    })
    socket.on('error', (error) => { clearTimeout(timer); reject(error) })
  })
}

export interface PrivateRedisOptions {
  /** Where logs go. */
  logDir: string
  /** AOF with fsync every second, in `dataDir`; otherwise no persistence at all. */
  appendOnly: boolean
  dataDir: string
  logCapBytes: number
}

/**
 * A redis-server of the harness's own on a free port, which it may kill -9, restart on the same
 * port and flush: the machine's shared Redis is never touched.
 */
export class PrivateRedis {
  readonly port: number
  readonly #options: PrivateRedisOptions
  #process: ManagedProcess | undefined
  #starts = 0

  private constructor (port: number, options: PrivateRedisOptions) {
    this.port = port
    this.#options = options
  }

  /** Picks a port and starts the server. */
  static async start (options: PrivateRedisOptions): Promise<PrivateRedis> {
    await mkdir(options.dataDir, { recursive: true })
    const redis = new PrivateRedis(await freePort(), options)
    await redis.start()
    return redis
  }

  get url (): string {
    return `redis://127.0.0.1:${this.port}`
  }

  get running (): boolean {
    return this.#process?.running === true
  }

  /** Starts (or restarts) the server on its port and waits until it answers PING. */
  async start (): Promise<void> {
    if (this.running) throw new Error('redis is already running')
    const persistence = this.#options.appendOnly
      ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
      : ['--appendonly', 'no']
    this.#starts += 1
    this.#process = ManagedProcess.start({
      name: 'redis',
      command: 'redis-server',
      args: ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', this.#options.dataDir,
        '--maxmemory-policy', 'noeviction', '--loglevel', 'warning'],
      cwd: this.#options.dataDir,
      env: process.env,
      logPath: join(this.#options.logDir, `redis.${this.#starts}.log`),
      logCapBytes: this.#options.logCapBytes
    })
    const started = this.#process
    await waitFor(`redis :${this.port} to answer PING`, async () => {
      if (!started.running) throw new Error(`redis-server exited at start; see ${started.logPath}`)
      return (await redisCommand(this.port, ['PING']).catch(() => '')) === '+PONG' ? true : undefined
    }, { timeoutMs: 15_000, intervalMs: 50 })
  }

  /** kill -9: no shutdown, no final fsync. */
  async kill9 (): Promise<void> {
    await this.#process?.kill()
  }

  /** FLUSHALL on this server only. */
  async flushAll (): Promise<void> {
    const reply = await redisCommand(this.port, ['FLUSHALL'])
    if (reply !== '+OK') throw new Error(`FLUSHALL answered ${reply}`)
  }

  /** Stops the server for good. */
  async stop (): Promise<void> {
    await this.#process?.kill()
  }
}
