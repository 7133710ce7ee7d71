/**
 * Entry of an extraction process. It loads the parsers, says it is ready, then processes one
 * job per message. The parent owns time and memory: it kills this process on a timeout or
 * when its resident memory passes the limit, and V8 stops it at its heap ceiling, so nothing
 * here guards against hangs or bombs.
 */
import { processDocument, warmUpExtractors } from './process-document.js'
import { asProcessingError } from './processing-error.js'
import type { ExtractionReply, ExtractionRequest } from './extraction-protocol.js'

const send = process.send?.bind(process)
if (send === undefined) throw new Error('extraction-child must run as a child process with an IPC channel')

// The parent going away (even by SIGKILL) closes the channel: nothing is left to work for.
process.on('disconnect', () => { process.exit(0) })

await warmUpExtractors()

process.on('message', (request: ExtractionRequest) => {
  const input = {
    bytes: Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength),
    filename: request.filename,
    declaredType: request.declaredType
  }
  processDocument(input, request.limits).then(
    (result) => { send({ id: request.id, ok: true, result } satisfies ExtractionReply) },
    (err: unknown) => {
      const { code, message } = asProcessingError(err)
      send({ id: request.id, ok: false, code, message } satisfies ExtractionReply)
    })
})

send({ ready: true } satisfies ExtractionReply)
