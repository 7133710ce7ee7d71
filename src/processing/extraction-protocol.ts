import type { ProcessedDocument, ProcessingErrorCode, ProcessingLimits } from './types.js'

/** A job sent to an extraction process over its IPC channel. */
export interface ExtractionRequest {
  id: number
  bytes: Uint8Array
  filename: string
  declaredType: string | null
  limits: ProcessingLimits
}

/** What an extraction process sends back: once `ready`, then one reply per job. */
export type ExtractionReply =
  | { ready: true }
  | { id: number, ok: true, result: ProcessedDocument }
  | { id: number, ok: false, code: ProcessingErrorCode, message: string }
