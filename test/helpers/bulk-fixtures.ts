import type { LightMyRequestResponse } from 'fastify'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { runBulkActions, type BulkRunnerDeps } from '../../src/admin/bulk/bulk-runner.js'
import type { DocumentRecord } from '../../src/db/documents.js'
import type { AdminRole } from '../../src/states.js'
import { AdminClient, csrfTokenOf } from './admin-client.js'
import type { TestStack } from './context.js'
import { claim, completedDocument, enqueueOne } from './queue-fixtures.js'
import type { FastifyInstance } from 'fastify'

/** A document of `tenant` that failed for good on its first attempt. */
export async function failedDocument (stack: TestStack, tenant: string): Promise<DocumentRecord> {
  const document = await enqueueOne(stack, { tenant })
  const outcome = await stack.queue.markFailed(await claim(stack, document.itemId), { message: 'bad bytes', permanent: true, code: 'corrupt' })
  if (outcome !== 'failed') throw new Error(`the failure was recorded as ${outcome}`)
  return document
}

export async function completedDocuments (stack: TestStack, tenant: string, count: number): Promise<DocumentRecord[]> {
  const documents: DocumentRecord[] = []
  for (let i = 0; i < count; i++) documents.push(await completedDocument(stack, { tenant }))
  return documents
}

/** A runner of bulk actions on the stack, named `name`, in batches of `batchSize`. */
export function bulkRunner (stack: TestStack, name: string, batchSize = 2, leaseMs = 60_000): BulkRunnerDeps {
  return { pool: stack.pool, queue: stack.queue, logger: stack.logger, runner: name, leaseMs, batchSize }
}

/** Runs every queued bulk action to its end. */
export async function runAll (stack: TestStack, name = 'test-runner'): Promise<number> {
  return await runBulkActions(bulkRunner(stack, name), { maxBatches: 1_000 })
}

/** A signed-in browser of the admin UI that also speaks its JSON API, with the session's CSRF token. */
export class AdminApiClient extends AdminClient {
  csrf = ''

  static async signIn (app: FastifyInstance, accounts: AdminAccounts, name: string, role: AdminRole, tenants: string[] | null = null): Promise<AdminApiClient> {
    const { password } = await accounts.create({ name, role, tenants })
    const client = new AdminApiClient(app)
    const login = await client.login(name, password)
    if (login.statusCode !== 303) throw new Error(`sign-in answered ${login.statusCode}`)
    client.csrf = csrfTokenOf((await client.get('/admin')).body)
    return client
  }

  /** A JSON call with the session's CSRF token (unless `withCsrf` is false, to see it refused). */
  async call (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, withCsrf = true): Promise<LightMyRequestResponse> {
    return await this.json(method, url, body, withCsrf && method !== 'GET' ? this.csrf : undefined)
  }
}
