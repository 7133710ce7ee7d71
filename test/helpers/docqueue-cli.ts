import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { nodeCommand, type Outcome } from './bin-command.js'
import { transpiledEntry } from './transpiled-sources.js'

/** The app listening on a free loopback port, as the CLI reaches a real API; its base URL. */
export async function listening (app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** Runs the docqueue CLI with `env` (DOCQUEUE_URL, DOCQUEUE_API_KEY) as its only settings. */
export type DocqueueCli = (args: string[], env: Record<string, string>) => Promise<Outcome>

/**
 * The docqueue CLI of the sources, for the test file `t`: transpiled once, then started with
 * plain node at each run (a test file runs it dozens of times).
 */
export async function docqueueCli (t: Test): Promise<DocqueueCli> {
  const main = await transpiledEntry(t, 'src/cli/main.ts')
  return async (args, env) => await nodeCommand([main, ...args], env)
}
