import type { FastifyRequest } from 'fastify'
import { createHash } from 'node:crypto'
import { AppError } from '../errors.js'
import { priorityRanks, type PriorityName } from '../queue/priority.js'
import { validWebhookUrl } from '../webhooks/webhook-url.js'

export interface ReceivedUpload {
  filename: string
  declaredType: string
  bytes: Buffer
  sha256: string
  priority: number
  /** Where this document's events are POSTed, besides the tenant's webhooks. */
  callbackUrl?: string
}

// Multipart framing around the file: boundaries, part headers, a priority field.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024

/** The memory an upload may take while it is read: its declared length, or the limit when it declares none. */
export function uploadReservation (request: FastifyRequest, maxBytes: number): number {
  const declared = Number(request.headers['content-length'])
  return Number.isFinite(declared) && declared > 0 ? Math.min(declared, maxBytes) : maxBytes
}

/**
 * Reads a `multipart/form-data` upload: exactly one file part named `file` and an optional
 * `priority` field, in any order. The file is hashed while it streams in and refused as soon
 * as it passes `maxBytes`, so an oversized upload never sits in memory whole; an accepted one
 * is held once, in a buffer of its reservation (`uploadReservation`).
 */
export async function readUpload (request: FastifyRequest, maxBytes: number): Promise<ReceivedUpload> {
  if (!request.isMultipart()) {
    throw new AppError('DOCQ_UPLOAD_NOT_MULTIPART', 'send the document as multipart/form-data with a part named file')
  }
  const declaredLength = Number(request.headers['content-length'])
  if (declaredLength > maxBytes + MULTIPART_OVERHEAD_BYTES) {
    throw new AppError('DOCQ_UPLOAD_TOO_LARGE', `the file exceeds the limit of ${maxBytes} bytes`)
  }

  let file: Omit<ReceivedUpload, 'priority'> | undefined
  let priority: PriorityName = 'normal'
  let callbackUrl: string | undefined
  const parts = request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 10, parts: 12 } })
  for await (const part of parts) {
    if (part.type === 'field') {
      if (part.fieldname === 'callbackUrl') {
        callbackUrl = validWebhookUrl(String(part.value), 'callbackUrl')
        continue
      }
      if (part.fieldname !== 'priority') continue
      const value = String(part.value)
      if (!Object.hasOwn(priorityRanks, value)) {
        throw new AppError('DOCQ_REQUEST_INVALID', `priority must be one of ${Object.keys(priorityRanks).join(', ')}`)
      }
      priority = value as PriorityName
      continue
    }
    if (part.fieldname !== 'file') {
      part.file.resume()
      throw new AppError('DOCQ_UPLOAD_NO_FILE', `unexpected file part "${part.fieldname}"; send the document in a part named file`)
    }
    const hash = createHash('sha256')
    // One buffer of the size reserved for this upload, filled as the bytes arrive: collecting
    // the chunks and joining them would hold every upload twice at its end.
    const bytes = Buffer.allocUnsafeSlow(uploadReservation(request, maxBytes))
    let length = 0
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      // The parser's own limit stops a file at the reservation's ceiling first; this keeps a
      // longer one from being cut silently (a buffer copy drops what does not fit).
      if (length + chunk.length > bytes.length) {
        part.file.resume()
        throw new AppError('DOCQ_UPLOAD_TOO_LARGE', `the file exceeds the limit of ${maxBytes} bytes`)
      }
      hash.update(chunk)
      length += chunk.copy(bytes, length)
    }
    file = { filename: part.filename, declaredType: part.mimetype, bytes: bytes.subarray(0, length), sha256: hash.digest('hex') }
  }
  if (file === undefined) throw new AppError('DOCQ_UPLOAD_NO_FILE', 'no file part; send the document in a part named file')
  return { ...file, priority: priorityRanks[priority], callbackUrl }
}
