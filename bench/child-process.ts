import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** Lines of output kept per child, printed when something goes wrong. */
const OUTPUT_TAIL_LINES = 40

/**
 * A TypeScript entry point run as `node --import tsx <script>`, docqueue's and the naive
 * pipeline's alike, so the measured process is the program itself and not a wrapper (npm, a
 * shell). Production runs the compiled build instead; the loader costs each process memory
 * (its thread) and start-up time, not steady-state CPU. A `.js` entry (the compiled `dist/`)
 * runs on plain node, as in production.
 */
export class BenchChild {
  readonly name: string
  readonly #child: ChildProcess
  readonly #tail: string[] = []
  readonly exited: Promise<number | null>
  #exitCode: number | null | undefined

  constructor (name: string, script: string, options: { cwd: string, env: Record<string, string>, nodeArgs?: string[] }) {
    this.name = name
    const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : []
    this.#child = spawn(process.execPath, [...options.nodeArgs ?? [], ...loader, script], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      // Output is read continuously: an unread pipe would block the child once its buffer fills.
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue
        this.#tail.push(line)
        if (this.#tail.length > OUTPUT_TAIL_LINES) this.#tail.shift()
      }
    }
    this.#child.stdout?.on('data', keep)
    this.#child.stderr?.on('data', keep)
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code) => {
        this.#exitCode = code
        resolve(code)
      })
      this.#child.once('error', (error) => {
        this.#tail.push(`spawn failed: ${error.message}`)
        this.#exitCode = null
        resolve(null)
      })
    })
  }

  get pid (): number {
    if (this.#child.pid === undefined) throw new Error(`${this.name} has no pid; it failed to start:\n${this.output()}`)
    return this.#child.pid
  }

  get running (): boolean {
    return this.#exitCode === undefined
  }

  /** The last lines the child printed. */
  output (): string {
    return this.#tail.join('\n')
  }

  /** Resolves once `url` answers 200; rejects if the child exits or `timeoutMs` passes first. */
  async waitForHttp (url: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited with code ${String(this.#exitCode)} before ${url} answered:\n${this.output()}`)
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(1_000) })
        await response.arrayBuffer()
        if (response.status === 200) return
      } catch {}
      await sleep(100)
    }
    throw new Error(`${this.name}: ${url} did not answer 200 within ${timeoutMs} ms:\n${this.output()}`)
  }

  /** Peak resident set size (VmHWM) in bytes, threads included; undefined once the process is gone. */
  async peakRssBytes (): Promise<number | undefined> {
    if (!this.running) return undefined
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8').catch(() => '')
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1]
    return kb === undefined ? undefined : Number(kb) * 1024
  }

  /**
   * Asks the child to shut down (SIGTERM, its graceful path) and kills it if it has not
   * exited after `graceMs`. Safe to call more than once and on a child that already exited.
   */
  async stop (graceMs = 10_000): Promise<void> {
    if (!this.running) return
    this.#child.kill('SIGTERM')
    const timer = setTimeout(() => { this.#child.kill('SIGKILL') }, graceMs)
    await this.exited
    clearTimeout(timer)
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('could not read the port of a probe server')
  return address.port
}

/** Runs a TypeScript CLI to completion and returns its stdout; rejects with its output on a non-zero exit. */
export async function runScript (script: string, args: string[], options: { cwd: string, env: Record<string, string> }): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8') })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8') })
  const [code] = await once(child, 'exit') as [number | null]
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with code ${String(code)}:\n${stderr}${stdout}`)
  return stdout
}
