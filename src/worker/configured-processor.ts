import type { Config } from '../config.js'
import { createDocumentProcessor, type DocumentProcessor } from '../processing/index.js'

/** A document processor with the configured limits, one extraction process per concurrent item. */
export function createConfiguredProcessor (config: Config): DocumentProcessor {
  return createDocumentProcessor(
    {
      timeoutMs: config.PROCESSING_TIMEOUT_MS,
      maxMemoryMb: config.PROCESSING_MAX_MEMORY_MB,
      maxPages: config.PROCESSING_MAX_PAGES,
      maxCharacters: config.PROCESSING_MAX_CHARACTERS,
      maxZipEntries: config.DOCX_MAX_ENTRIES,
      maxPartBytes: config.DOCX_MAX_PART_BYTES,
      maxUncompressedBytes: config.DOCX_MAX_UNCOMPRESSED_BYTES
    },
    { processes: config.WORKER_CONCURRENCY }
  )
}
