import { randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

export interface Part {
  name: string
  value: string | Buffer
  filename?: string
  contentType?: string
}

/** A multipart/form-data body and its headers, built by hand so tests control every byte. */
export function multipart (parts: Part[]): { payload: Buffer, headers: Record<string, string> } {
  const boundary = `----docq${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`
    if (part.filename !== undefined) head += `; filename="${part.filename}"`
    head += '\r\n'
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** Uploads `content` as the file part, with an optional priority, using `key`. */
export async function upload (app: FastifyInstance, key: string, content: string | Buffer, options: {
  filename?: string
  contentType?: string
  priority?: string
  headers?: Record<string, string>
} = {}): Promise<LightMyRequestResponse> {
  const parts: Part[] = [{ name: 'file', value: content, filename: options.filename ?? 'note.txt', contentType: options.contentType ?? 'text/plain' }]
  if (options.priority !== undefined) parts.unshift({ name: 'priority', value: options.priority })
  const body = multipart(parts)
  return await app.inject({
    method: 'POST',
    url: '/documents',
    payload: body.payload,
    headers: { ...body.headers, authorization: `Bearer ${key}`, ...options.headers }
  })
}
