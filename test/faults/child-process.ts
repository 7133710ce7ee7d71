import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { onExitSync } from './cleanup.js'
import { waitFor } from './poll.js'

/** How a process ended: its exit code, or the signal that ended it. */
export interface ExitStatus {
  code: number | null
  signal: NodeJS.Signals | null
  at: number
}

export interface StartOptions {
  /** Stable name in reports, e.g. `worker-2`; each start of it is one incarnation. */
  name: string
  command: string
  args: string[]
  cwd: string
  env: NodeJS.ProcessEnv
  logPath: string
  /** The log keeps this many bytes; past them one marker line and nothing more. */
  logCapBytes: number
}

/** Appends a child's stdout and stderr to one file, up to a size cap. */
function cappedLog (path: string, capBytes: number): { stream: WriteStream, write: (chunk: Buffer) => void } {
  const stream = createWriteStream(path, { flags: 'a' })
  let written = 0
  let truncated = false
  return {
    stream,
    write: (chunk) => {
      if (truncated || stream.writableEnded) return
      if (written + chunk.length > capBytes) {
        stream.write(chunk.subarray(0, Math.max(0, capBytes - written)))
        stream.write(`\n[log truncated at ${capBytes} bytes]\n`)
        truncated = true
        return
      }
      written += chunk.length
      stream.write(chunk)
    }
  }
}

/**
 * A child process the harness started: its output goes to a capped log file, its end is
 * recorded, and it is killed with -9 on any exit of the harness. `expectedExit` tells apart the
 * ends the harness caused from crashes.
 */
export class ManagedProcess {
  readonly name: string
  readonly logPath: string
  readonly startedAt = Date.now()
  readonly exited: Promise<ExitStatus>
  /** Set once the harness signals the process, so its end is not counted as a crash. */
  expectedExit = false
  exitStatus: ExitStatus | undefined
  readonly #child: ChildProcess
  readonly #removeLastResort: () => void

  private constructor (options: StartOptions) {
    this.name = options.name
    this.logPath = options.logPath
    const log = cappedLog(options.logPath, options.logCapBytes)
    log.write(Buffer.from(`--- ${new Date().toISOString()} start ${options.name}: ${options.command} ${options.args.join(' ')}\n`))
    this.#child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.#child.stdout?.on('data', log.write)
    this.#child.stderr?.on('data', log.write)
    const pid = this.#child.pid
    this.#removeLastResort = onExitSync(() => {
      if (this.exitStatus === undefined && pid !== undefined) process.kill(pid, 'SIGKILL')
    })
    this.exited = new Promise((resolve) => {
      const settle = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.exitStatus !== undefined) return
        this.exitStatus = { code, signal, at: Date.now() }
        this.#removeLastResort()
        resolve(this.exitStatus)
      }
      this.#child.once('exit', settle)
      // Output can still arrive after 'exit'; the log is closed once the pipes are.
      this.#child.once('close', (code, signal) => {
        log.write(Buffer.from(`--- ${new Date().toISOString()} exit ${options.name}: code=${code} signal=${signal}\n`))
        log.stream.end()
      })
      this.#child.once('error', (error) => {
        log.write(Buffer.from(`--- spawn error: ${error.message}\n`))
        settle(null, null)
      })
    })
  }

  /** Spawns the process. */
  static start (options: StartOptions): ManagedProcess {
    return new ManagedProcess(options)
  }

  get pid (): number {
    return this.#child.pid ?? -1
  }

  get running (): boolean {
    return this.exitStatus === undefined
  }

  /** Sends a signal the harness means to send; the resulting exit is expected. */
  signal (signal: NodeJS.Signals): void {
    this.expectedExit = true
    if (this.running) this.#child.kill(signal)
  }

  /** SIGSTOP: the process stands still, holding its connections, until {@link thaw}. */
  freeze (): void {
    if (this.running) this.#child.kill('SIGSTOP')
  }

  /** SIGCONT after {@link freeze}. */
  thaw (): void {
    if (this.running) this.#child.kill('SIGCONT')
  }

  /** The exit status, or undefined if the process is still running after `timeoutMs`. */
  async waitExit (timeoutMs: number): Promise<ExitStatus | undefined> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), timeoutMs) })
    try {
      return await Promise.race([this.exited, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Kills the process with -9 (if it runs) and waits for it to be gone. */
  async kill (): Promise<void> {
    this.signal('SIGKILL')
    await this.waitExit(10_000)
  }

  /** Waits until the process's log contains `text`; fails early if the process exits. */
  async waitForLog (text: string, timeoutMs: number): Promise<void> {
    await waitFor(`"${text}" in ${this.logPath}`, async () => {
      const content = await readFile(this.logPath, 'utf8').catch(() => '')
      if (content.includes(text)) return true
      if (!this.running) throw new Error(`${this.name} exited (${JSON.stringify(this.exitStatus)}) before logging "${text}"; see ${this.logPath}`)
      return undefined
    }, { timeoutMs, intervalMs: 100 })
  }
}
