import type { ProcessedDocument, ProcessingErrorCode, ProcessingLimits } from './types.js'

/** A job sent to an extraction thread; `bytes` is transferred, not copied. */
export interface ThreadRequest {
  id: number
  bytes: Uint8Array
  filename: string
  declaredType: string | null
  limits: ProcessingLimits
}

/** What a thread posts back: once `ready`, then one reply per job. */
export type ThreadReply =
  | { ready: true }
  | { id: number, ok: true, result: ProcessedDocument }
  | { id: number, ok: false, code: ProcessingErrorCode, message: string }
