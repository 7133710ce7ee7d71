import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import type { Test } from 'tap'
import { binCommand, type Outcome } from './bin-command.js'

// The first start of an embedded service creates the database and runs every migration in
// WebAssembly, a minute or more on a busy machine: this only bounds a hang.
export const EMBEDDED_HANG_MS = 300_000
const tsx = import.meta.resolve('tsx')

export interface EmbeddedService { child: ChildProcess, stderr: () => string, api: string }

/**
 * The environment of an embedded process: forced on (this machine has real servers on the
 * default ports), without the URLs of those servers, and without the test runner's coverage
 * collection, whose report over PGlite's large bundle costs minutes and tells nothing about
 * docqueue's code.
 */
export function embeddedEnv (settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCQUEUE_EMBEDDED: 'on', LOG_LEVEL: 'warn', ...settings }
  delete env.DATABASE_URL
  delete env.REDIS_URL
  delete env.NODE_V8_COVERAGE
  return env
}

/** Spawns `npm start` embedded with `settings` (DATA_DIR at least); `stderr` gathers what it says. */
export function spawnEmbedded (settings: Record<string, string>): { child: ChildProcess, stderr: () => string } {
  const child = spawn(process.execPath, ['--import', tsx, 'src/bin/start.ts'], { env: embeddedEnv(settings), stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  return { child, stderr: () => stderr }
}

/** Starts the service embedded on `dataDir`; resolves once it is ready (or rejects if it exits first). */
export async function startEmbedded (t: Test, dataDir: string, port: number, settings: Record<string, string> = {}): Promise<EmbeddedService> {
  const { child, stderr } = spawnEmbedded({ DATA_DIR: dataDir, PORT: String(port), WORKER_CONCURRENCY: '1', ...settings })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const api = `http://127.0.0.1:${port}`
  const deadline = Date.now() + EMBEDDED_HANG_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}: ${stderr()}`)
    if (Date.now() > deadline) throw new Error(`the service did not listen: ${stderr()}`)
    const ready = await fetch(`${api}/readyz`).then((response) => response.ok, () => false)
    if (ready) return { child, stderr, api }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** Stops it as an operator does (SIGTERM) and resolves with its exit code. */
export async function stopEmbedded (service: EmbeddedService): Promise<number | null> {
  const exited = once(service.child, 'exit')
  service.child.kill('SIGTERM')
  const [code] = await exited as [number | null]
  return code
}

/** Runs an entry point of src/bin (`admins.ts`, `keys.ts`, …) on the embedded data in `dataDir`. */
export async function embeddedCommand (script: string, args: string[], dataDir: string): Promise<Outcome> {
  // binCommand already leaves out the servers' URLs; an empty NODE_V8_COVERAGE collects nothing.
  return await binCommand(script, args, { DOCQUEUE_EMBEDDED: 'on', NODE_V8_COVERAGE: '', DATA_DIR: dataDir })
}
