/**
 * Document processing: the seam between the queue workers and the parsers.
 *
 * The rest of the service sees only this file. `createDocumentProcessor()` returns an object
 * whose `process()` takes the uploaded bytes and gives back normalised text, metadata and
 * chunks, or rejects with a `ProcessingError` whose `code` and `permanent` flag tell the
 * queue whether to retry. Every document but small text (type sniffing aside) is processed
 * in extraction child processes under a memory limit (heap ceiling, and on Linux a watch on
 * all their resident memory) and a hard timeout (extraction-pool.ts), so a hostile file can
 * cost at most one child process, never the worker process. Text, Markdown and HTML up to
 * 32 KB are processed on the caller's thread, where the trip to a child would cost as much as
 * the work and they cannot come near the limits (in-process-extraction.ts). Inside a child,
 * process-document.ts detects the type from the bytes and hands them to one format module
 * (extract-*.ts), all of the same shape. `detectType()` is exported for the upload path
 * (it is cheap and runs on the caller's thread).
 *
 * Retry policy lives in processing-error.ts: every code but `internal` is permanent, and the
 * queue fails an item for good on a permanent error instead of retrying it. A job's `timeoutMs`
 * counts from the moment a ready child receives it; time queued behind other jobs is not counted.
 * Create one processor per worker process, pass `processes` equal to the number of documents
 * processed at once, and `close()` it at shutdown.
 */
import os from 'node:os'
import assert from 'node:assert/strict'
import { ExtractionPool } from './extraction-pool.js'
import { processSmallText } from './in-process-extraction.js'
import { resolveLimits } from './limits.js'
import type { DocumentProcessor, ProcessingLimits } from './types.js'

export type {
  DocumentInput,
  DocumentMetadata,
  DocumentProcessor,
  ProcessedDocument,
  ProcessingErrorCode,
  ProcessingLimits,
  TextChunk
} from './types.js'
export { ProcessingError } from './processing-error.js'
export { defaultProcessingLimits } from './limits.js'
export { detectType } from './detect-type.js'
export { supportedMediaTypes } from './media-types.js'

/** Options that are about the machine rather than the document. */
export interface DocumentProcessorOptions {
  /**
   * Extraction child processes, started when first needed (or by `warmUp()`) and reused between
   * jobs. Match it to the number of documents processed at once; each may use up to
   * `maxMemoryMb`. Default: 2, or 1 on a single-core machine.
   */
  processes?: number
}

/**
 * Creates a processor with the given limits (missing ones take `defaultProcessingLimits`).
 * Call `close()` at shutdown to end its extraction processes.
 */
export function createDocumentProcessor (
  limits: Partial<ProcessingLimits> = {},
  options: DocumentProcessorOptions = {}
): DocumentProcessor {
  const resolved = resolveLimits(limits)
  const processes = options.processes ?? Math.min(2, os.availableParallelism())
  assert.ok(Number.isSafeInteger(processes) && processes > 0, `processes must be a positive integer, got ${String(processes)}`)
  const pool = new ExtractionPool(resolved, processes)
  return {
    process: async (input) => {
      pool.assertOpen()
      return await processSmallText(input, resolved) ?? await pool.run(input)
    },
    warmUp: () => { pool.warmUp() },
    close: async () => { await pool.close() }
  }
}
