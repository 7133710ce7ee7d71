import type { ApiClient } from './api-client.js'
import { EXIT } from './exit-codes.js'

interface SearchResults {
  total: number
  /** The API read only part of the matches: `total` is a lower bound. */
  totalIsCapped: boolean
  results: Array<{
    documentId: string
    filename: string
    title: string | null
    hits: Array<{ page: number | null, snippet: string }>
  }>
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }

/** A snippet for a terminal: the API's HTML escaping undone, its `<mark>`s as [brackets] (on a TTY, bold). */
function plainSnippet (snippet: string, tty: boolean): string {
  return snippet
    .replace(/<mark>/g, tty ? '\u001b[1m' : '[')
    .replace(/<\/mark>/g, tty ? '\u001b[22m' : ']')
    .replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity)
}

/** `docqueue search QUERY`: the matching documents, best first, each with its best passages. */
export async function search (client: ApiClient, query: string, options: { limit: number | undefined, offset: number | undefined, json: boolean }): Promise<number> {
  const params = new URLSearchParams({ q: query })
  if (options.limit !== undefined) params.set('limit', String(options.limit))
  if (options.offset !== undefined) params.set('offset', String(options.offset))
  const found = await client.json('GET', `/search?${params.toString()}`) as SearchResults
  if (options.json) {
    console.log(JSON.stringify(found))
    return EXIT.ok
  }
  const tty = process.stdout.isTTY
  for (const result of found.results) {
    console.log(`${result.documentId}  ${result.filename}${result.title === null ? '' : `  "${result.title}"`}`)
    for (const hit of result.hits) console.log(`  ${hit.page === null ? '' : `p.${hit.page}: `}${plainSnippet(hit.snippet, tty)}`)
  }
  console.log(`${found.totalIsCapped ? 'at least ' : ''}${found.total} matching document${found.total === 1 ? '' : 's'}`)
  return EXIT.ok
}
