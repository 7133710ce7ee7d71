import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Test } from 'tap'

const run = promisify(execFile)
const repo = resolve('.')
// Resolved here, so a command started from another directory (the .env test) still finds it.
const tsx = import.meta.resolve('tsx')
// The docqueue settings a test process may carry; a command sees only what its test gives it.
const CONFIG_KEYS = ['DATABASE_URL', 'REDIS_URL', 'QUEUE_PREFIX', 'LOG_LEVEL', 'WORKER_CONCURRENCY', 'DOCQUEUE_URL', 'DOCQUEUE_API_KEY']

export interface Outcome { code: number, stdout: string, stderr: string }

/** Runs an entry point of src/bin with only `env` as docqueue configuration, from `cwd`. */
export async function binCommand (script: string, args: string[], env: Record<string, string>, cwd = repo): Promise<Outcome> {
  return await sourceCommand(join('src/bin', script), args, env, cwd)
}

/** Runs a TypeScript entry point (`entry`, relative to the repository) with only `env` as docqueue configuration, from `cwd`. */
export async function sourceCommand (entry: string, args: string[], env: Record<string, string>, cwd = repo): Promise<Outcome> {
  return await nodeCommand(['--import', tsx, join(repo, entry), ...args], env, cwd)
}

/** Runs `node` with `nodeArgs` and only `env` as docqueue configuration, from `cwd`. */
export async function nodeCommand (nodeArgs: string[], env: Record<string, string>, cwd = repo): Promise<Outcome> {
  const base: NodeJS.ProcessEnv = { ...process.env }
  for (const key of CONFIG_KEYS) delete base[key]
  try {
    const { stdout, stderr } = await run(process.execPath, nodeArgs, {
      cwd, env: { ...base, LOG_LEVEL: 'silent', ...env }
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number, stdout: string, stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

/** The test database's URL with another database name. */
export function databaseUrlNamed (databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/** What a command says when it stops on a mistake: one line, and no stack trace. */
export function isOneLine (t: Test, stderr: string): void {
  t.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`)
  t.notMatch(stderr, /^\s+at /m, 'no stack trace')
}
