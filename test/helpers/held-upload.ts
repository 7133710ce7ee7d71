import { createHash } from 'node:crypto'
import { request, type IncomingMessage } from 'node:http'
import { multipart } from './http.js'

export interface HeldUploadAnswer {
  status: number
  body: Record<string, unknown>
}

/**
 * An upload over a real socket that sends all but the last bytes of its body and waits there,
 * so the server holds it as received-but-unfinished for as long as a test needs.
 */
export interface HeldUpload {
  /** Of the file part. */
  sha256: string
  size: number
  /** Length of the whole multipart body. */
  contentLength: number
  /** Resolves once every byte but the held ones was handed to the kernel. */
  sent: Promise<void>
  /** Sends the held bytes and resolves with the answer. */
  finish: () => Promise<HeldUploadAnswer>
}

async function readAnswer (response: IncomingMessage): Promise<HeldUploadAnswer> {
  const chunks: Buffer[] = []
  for await (const chunk of response) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return { status: response.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown> }
}

/**
 * Starts uploading `file` to `POST /documents` of the API at `port`, holding back the last
 * `heldBytes` of the body (the end of the file and the closing boundary) until `finish`.
 */
export function startHeldUpload (options: { port: number, key: string, file: Buffer, filename: string, heldBytes?: number }): HeldUpload {
  const { payload, headers } = multipart([{ name: 'file', value: options.file, filename: options.filename, contentType: 'application/octet-stream' }])
  const heldBytes = options.heldBytes ?? 64
  // The tail is copied out so that the big body can be freed once it is sent.
  const tail = Buffer.from(payload.subarray(payload.length - heldBytes))
  const req = request({
    host: '127.0.0.1',
    port: options.port,
    method: 'POST',
    path: '/documents',
    agent: false,
    headers: { ...headers, 'content-length': String(payload.length), authorization: `Bearer ${options.key}` }
  })
  const answer = new Promise<HeldUploadAnswer>((resolve, reject) => {
    req.once('response', (response) => { readAnswer(response).then(resolve, reject) })
    req.once('error', reject)
  })
  // An early answer (a refusal) must not surface as an unhandled rejection before finish is called.
  answer.catch(() => {})
  const sent = new Promise<void>((resolve, reject) => {
    req.write(payload.subarray(0, payload.length - heldBytes), (error) => { if (error == null) resolve(); else reject(error) })
  })
  return {
    sha256: createHash('sha256').update(options.file).digest('hex'),
    size: options.file.length,
    contentLength: payload.length,
    sent,
    finish: async () => {
      req.end(tail)
      return await answer
    }
  }
}
