import type { ChunkRow, DocumentPassages } from './chunks.js'
import { toPostgresJson, toPostgresText } from './postgres-safe-text.js'
import { textSearchConfig } from './text-search-config.js'

/** What processing produced for a document: its detected type, text, metadata and passages. */
export interface DocumentResult {
  mediaType: string
  text: string
  metadata: Record<string, unknown>
  chunks: ChunkRow[]
}

/** See {@link resultColumns}. */
export interface ResultColumns {
  mediaTypes: string[]
  texts: string[]
  /** JSON text. */
  metadata: string[]
}

/**
 * Results as the parallel arrays a statement unnests, one entry per result. Strings are made
 * storable (see toPostgresText), whatever the extractor left in them.
 */
export function resultColumns (results: DocumentResult[]): ResultColumns {
  return {
    mediaTypes: results.map((result) => toPostgresText(result.mediaType)),
    texts: results.map((result) => toPostgresText(result.text)),
    metadata: results.map((result) => JSON.stringify(toPostgresJson(result.metadata)))
  }
}

/** A result's passages as insertChunks (chunks.ts) writes them: indexed in the configuration of its detected language. */
export function resultPassages (documentId: string, result: DocumentResult): DocumentPassages {
  const { title, language } = result.metadata
  return {
    documentId,
    title: typeof title === 'string' ? title : null,
    config: textSearchConfig(typeof language === 'string' ? language : null),
    chunks: result.chunks
  }
}
