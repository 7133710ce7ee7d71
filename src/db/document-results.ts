import { replaceChunks, type ChunkRow } from './chunks.js'
import type { Queryable } from './pool.js'
import { toPostgresJson, toPostgresText } from './postgres-safe-text.js'
import { textSearchConfig } from './text-search-config.js'

/** What processing produced for a document: its detected type, text, metadata and passages. */
export interface DocumentResult {
  mediaType: string
  text: string
  metadata: Record<string, unknown>
  chunks: ChunkRow[]
}

/**
 * Writes a document's new result in place of its last one and bumps its version: the text and
 * metadata on its row, then its passages, indexed in the text search configuration of the
 * detected language. Run it in the transaction that completes the item, so
 * readers see the old result or the new one, never a mix. Strings are made storable first (see
 * toPostgresText), whatever the extractor left in them.
 */
export async function writeDocumentResult (db: Queryable, documentId: string, result: DocumentResult): Promise<void> {
  await db.query(`
    update documents set media_type = $2, text = $3, metadata = $4, version = version + 1, processed_at = now()
     where id = $1`,
  [documentId, toPostgresText(result.mediaType), toPostgresText(result.text), JSON.stringify(toPostgresJson(result.metadata))])
  const title = typeof result.metadata.title === 'string' ? result.metadata.title : null
  const language = typeof result.metadata.language === 'string' ? result.metadata.language : null
  await replaceChunks(db, documentId, title, textSearchConfig(language), result.chunks)
}
