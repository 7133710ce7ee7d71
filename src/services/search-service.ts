import { searchChunks, type SearchResultPage } from '../db/chunks.js'
import type { Pool } from '../db/pool.js'

const MARK_START = '\uE000'
const MARK_END = '\uE001'
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/**
 * Snippets come from document text, which may hold markup of its own: escape everything, then
 * turn the database's private-use match markers into `<mark>` tags, so a client can render the
 * snippet as HTML safely.
 */
function toSafeSnippet (raw: string): string {
  return raw.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]).replaceAll(MARK_START, '<mark>').replaceAll(MARK_END, '</mark>')
}

/** Full-text search over a tenant's completed documents. */
export class SearchService {
  readonly #pool: Pool

  constructor (pool: Pool) {
    this.#pool = pool
  }

  /** Documents matching `query` (web search syntax), best first, with highlighted passages. */
  async search (tenant: string, query: string, options: { limit: number, offset: number }): Promise<SearchResultPage> {
    const page = await searchChunks(this.#pool, tenant, query, options)
    return {
      total: page.total,
      totalIsCapped: page.totalIsCapped,
      results: page.results.map((hit) => ({ ...hit, hits: hit.hits.map((h) => ({ ...h, snippet: toSafeSnippet(h.snippet) })) }))
    }
  }
}
