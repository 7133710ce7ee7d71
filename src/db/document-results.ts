import type { ChunkRow } from './chunks.js'
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
  configs: string[]
  titles: Array<string | null>
  chunkResults: number[]
  chunkOrdinals: number[]
  chunkPages: Array<number | null>
  chunkTexts: string[]
}

/**
 * Results as the parallel arrays a statement unnests: one entry per result in `media_types` to
 * `titles`, and one per passage in the `chunk_*` arrays, whose `chunk_results` is the 1-based
 * position of its result. Strings are made storable (see toPostgresText), whatever the extractor
 * left in them; each result's passages are indexed in the text search configuration of its
 * detected language.
 */
export function resultColumns (results: DocumentResult[]): ResultColumns {
  const columns: ResultColumns = {
    mediaTypes: [],
    texts: [],
    metadata: [],
    configs: [],
    titles: [],
    chunkResults: [],
    chunkOrdinals: [],
    chunkPages: [],
    chunkTexts: []
  }
  results.forEach((result, i) => {
    const { title, language } = result.metadata
    columns.mediaTypes.push(toPostgresText(result.mediaType))
    columns.texts.push(toPostgresText(result.text))
    columns.metadata.push(JSON.stringify(toPostgresJson(result.metadata)))
    columns.configs.push(textSearchConfig(typeof language === 'string' ? language : null))
    columns.titles.push(typeof title === 'string' ? toPostgresText(title) : null)
    for (const chunk of result.chunks) {
      columns.chunkResults.push(i + 1)
      columns.chunkOrdinals.push(chunk.ordinal)
      columns.chunkPages.push(chunk.page)
      columns.chunkTexts.push(toPostgresText(chunk.text))
    }
  })
  return columns
}
