import { detectType } from './detect-type.js'
import { timedOut } from './limits.js'
import { mediaTypes } from './media-types.js'
import { processDocument } from './process-document.js'
import { asProcessingError } from './processing-error.js'
import type { DocumentInput, ProcessedDocument, ProcessingLimits } from './types.js'

/**
 * Small text documents are processed on the caller's thread instead of in an extraction process.
 *
 * Why: for a 10 KB text the trip to an extraction process and back (the bytes and the result
 * cloned through the IPC channel, both event loops woken) cost about as much CPU as processing it:
 * 6.9-7.8 ms per document through the pool against 3.6-4.9 ms in-process (1,000 documents, four at
 * a time, busy 2-core machine).
 *
 * Why it is safe: the isolation exists for parsers that can hang or allocate without bound on a
 * hostile file (pdf.js inside one synchronous call, a DOCX's XML), and those never run here. The
 * text, Markdown and HTML paths are our own bounded code and htmlparser2, and under this size
 * their worst inputs found cost at most about 0.2 s of CPU (32 KB of a legacy charset, which
 * every charset detector looks at; Markdown with thousands of unclosed backticks about 0.1 s)
 * and a few MB of memory: far from the time and memory limits, and from the heartbeat's
 * dead-after, which a blocked event loop would miss. The time limit still holds in its own
 * way: a document that took longer than it fails with `timeout`, as if it had been killed.
 */
export const inProcessMaxBytes = 32 * 1024

const inProcessTypes: ReadonlySet<string> = new Set([mediaTypes.text, mediaTypes.markdown, mediaTypes.html])

/**
 * Processes `input` here when it is small text (see {@link inProcessMaxBytes}) and returns its
 * result; undefined when it belongs in an extraction process.
 */
export async function processSmallText (input: DocumentInput, limits: ProcessingLimits): Promise<ProcessedDocument | undefined> {
  if (input.bytes.length > inProcessMaxBytes) return undefined
  const startedAt = performance.now()
  let result: ProcessedDocument
  try {
    const detectedType = await detectType(input.bytes, input.filename)
    if (!inProcessTypes.has(detectedType)) return undefined
    result = await processDocument(input, limits, detectedType)
  } catch (error) {
    throw asProcessingError(error)
  }
  if (performance.now() - startedAt > limits.timeoutMs) throw timedOut(limits)
  return result
}
