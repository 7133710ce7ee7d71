import { join } from 'node:path'
import { ManagedProcess } from '../faults/child-process.js'
import { waitFor, type TestContext } from './context.js'

export type ServiceRole = 'api' | 'worker'

export interface ServiceProcessesOptions {
  /** The node arguments that run a role's entry point (source through tsx, or compiled). */
  args: (role: ServiceRole) => string[]
  cwd: string
  env: (role: ServiceRole) => NodeJS.ProcessEnv
  /** Each role logs to `<logDir>/<role>.log`. */
  logDir: string
  port: number
  /** Named in the wait, so a hang says which API never became ready. */
  description: string
}

/**
 * Starts a real API and a real worker process, stopped (SIGTERM, then a kill) when the context
 * is cleaned up, and waits until the API answers `/readyz`. Returns the API's base URL.
 */
export async function startServiceProcesses (context: TestContext, options: ServiceProcessesOptions): Promise<string> {
  const processes = (['api', 'worker'] as const).map((role) => ManagedProcess.start({
    name: role,
    command: process.execPath,
    args: options.args(role),
    cwd: options.cwd,
    env: options.env(role),
    logPath: join(options.logDir, `${role}.log`),
    logCapBytes: 4 * 1024 * 1024
  }))
  context.onCleanup(async () => {
    for (const child of processes) child.signal('SIGTERM')
    for (const child of processes) if (await child.waitExit(60_000) === undefined) await child.kill()
  })
  const api = `http://127.0.0.1:${options.port}`
  await waitFor(async () => {
    if (processes.some((child) => !child.running)) throw new Error(`a process exited before the API was ready; see ${options.logDir}`)
    const ready = await fetch(`${api}/readyz`).catch(() => undefined)
    return ready?.status === 200 ? true : undefined
  }, options.description, 300_000)
  return api
}
