import type { ApiClient } from './api-client.js'
import { EXIT } from './exit-codes.js'
import { formatFields } from './table.js'

/** `docqueue stats`: the tenant's queue counts (GET /queue/stats), one per line, nested counts as `failedByKind.permanent`. */
export async function stats (client: ApiClient, options: { json: boolean }): Promise<number> {
  const counts = await client.json('GET', '/queue/stats') as Record<string, unknown>
  if (options.json) {
    console.log(JSON.stringify(counts))
    return EXIT.ok
  }
  const fields: Array<[string, string]> = []
  for (const [name, value] of Object.entries(counts)) {
    if (typeof value === 'object' && value !== null) {
      for (const [inner, count] of Object.entries(value)) fields.push([`${name}.${inner}`, String(count)])
    } else {
      fields.push([name, String(value)])
    }
  }
  console.log(formatFields(fields))
  return EXIT.ok
}
