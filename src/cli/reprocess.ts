import type { ApiClient } from './api-client.js'
import { EXIT } from './exit-codes.js'

/** `docqueue reprocess ID…`: asks for each document to be processed again; prints each one's new status. */
export async function reprocess (client: ApiClient, ids: string[], options: { priority: string | undefined, json: boolean }): Promise<number> {
  const body = JSON.stringify(options.priority === undefined ? {} : { priority: options.priority })
  const documents: unknown[] = []
  for (const id of ids) {
    const document = await client.json('POST', `/documents/${id}/reprocess`, { body, headers: { 'content-type': 'application/json' } }) as { id: string, status: string, operation: string }
    documents.push(document)
    if (!options.json) console.log(`${document.id}  ${document.status} (${document.operation})`)
  }
  if (options.json) console.log(JSON.stringify(documents))
  return EXIT.ok
}
