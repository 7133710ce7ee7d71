import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { sourceCommand, type Outcome } from './bin-command.js'

/** The app listening on a free loopback port, as the CLI reaches a real API; its base URL. */
export async function listening (app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** Runs the docqueue CLI from its sources with `env` (DOCQUEUE_URL, DOCQUEUE_API_KEY) as its only settings. */
export async function docqueue (args: string[], env: Record<string, string>, cwd?: string): Promise<Outcome> {
  return await sourceCommand('src/cli/main.ts', args, env, cwd)
}
