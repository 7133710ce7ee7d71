import type { ApiClient } from './api-client.js'
import { EXIT } from './exit-codes.js'
import { formatFields } from './table.js'

interface DocumentJson {
  id: string
  filename: string
  mediaType: string
  size: number
  status: string
  operation: string
  attempts: number
  maxAttempts: number
  version: number
  errorCode: string | null
  lastError: string | null
  nextRetryAt: string | null
  createdAt: string
  updatedAt: string
  processedAt: string | null
}

/** `docqueue status ID`: the document as GET /documents/{id} answers it, the fields a person checks first (all of it with --json). */
export async function status (client: ApiClient, id: string, options: { json: boolean }): Promise<number> {
  const document = await client.json('GET', `/documents/${id}`) as DocumentJson
  if (options.json) {
    console.log(JSON.stringify(document))
    return EXIT.ok
  }
  const fields: Array<[string, string]> = [
    ['id', document.id],
    ['filename', document.filename],
    ['type', `${document.mediaType}, ${document.size} bytes`],
    ['status', `${document.status} (${document.operation}, attempt ${document.attempts} of ${document.maxAttempts})`],
    ['version', String(document.version)],
    ['created', document.createdAt],
    ['updated', document.updatedAt]
  ]
  if (document.processedAt !== null) fields.push(['processed', document.processedAt])
  if (document.errorCode !== null) fields.push(['error', `${document.errorCode}: ${document.lastError ?? ''}`])
  if (document.nextRetryAt !== null) fields.push(['next retry', document.nextRetryAt])
  console.log(formatFields(fields))
  return EXIT.ok
}
