import type { ProcessingErrorCode } from './types.js'

/**
 * Whether a failure can be cured by running the same bytes again.
 *
 * Everything the document itself causes is permanent: an unsupported, corrupt or encrypted
 * file stays that way, and a file that blew the memory ceiling or the time limit once will do
 * it again (pdf.js hangs and bombs are deterministic), so retrying only burns worker time.
 * Only `internal` (an unexpected error or an extraction process that died for another reason) may be a
 * passing condition of the machine and is left to the queue's retry policy.
 */
const permanentByCode: Record<ProcessingErrorCode, boolean> = {
  unsupported_type: true,
  corrupt: true,
  encrypted: true,
  limit_exceeded: true,
  timeout: true,
  internal: false
}

/** A processing failure with a machine-readable code and a message that names the cause. */
export class ProcessingError extends Error {
  readonly code: ProcessingErrorCode
  readonly permanent: boolean

  constructor (code: ProcessingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProcessingError'
    this.code = code
    this.permanent = permanentByCode[code]
  }
}

/** True when `code` is one of the contract's error codes (used when errors cross processes). */
export function isProcessingErrorCode (code: unknown): code is ProcessingErrorCode {
  return typeof code === 'string' && Object.hasOwn(permanentByCode, code)
}

/**
 * `error` as the processor reports it: a ProcessingError as it is, anything else (a parser's
 * own exception) as an `internal` one, wherever the document was processed.
 */
export function asProcessingError (error: unknown): ProcessingError {
  if (error instanceof ProcessingError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new ProcessingError('internal', `internal processing error: ${message}`, { cause: error })
}
