/**
 * Entry of an extraction thread. It loads the parsers, says it is ready, then processes one
 * job per message. The parent owns time and memory: it kills this thread on a timeout and
 * the thread dies on its own heap limit, so nothing here guards against hangs.
 */
import { parentPort } from 'node:worker_threads'
import { processDocument, warmUpExtractors } from './process-document.js'
import { ProcessingError } from './processing-error.js'
import type { ThreadReply, ThreadRequest } from './thread-protocol.js'

const port = parentPort
if (port === null) throw new Error('extraction-thread.ts must run in a worker thread')

await warmUpExtractors()

port.on('message', (request: ThreadRequest) => {
  const input = {
    bytes: Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength),
    filename: request.filename,
    declaredType: request.declaredType
  }
  processDocument(input, request.limits).then(
    (result) => { port.postMessage({ id: request.id, ok: true, result } satisfies ThreadReply) },
    (err: unknown) => {
      const reply: ThreadReply = err instanceof ProcessingError
        ? { id: request.id, ok: false, code: err.code, message: err.message }
        : { id: request.id, ok: false, code: 'internal', message: `internal processing error: ${(err as Error)?.message ?? String(err)}` }
      port.postMessage(reply)
    })
})

port.postMessage({ ready: true } satisfies ThreadReply)
