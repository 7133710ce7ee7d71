import { request, type IncomingMessage } from 'node:http'

export interface SseEvent { id: string | undefined, event: string, data: any }

/**
 * A Server-Sent Events client over a real HTTP connection: it records the events and comments as
 * they arrive, parsed by the rules of the format (fields up to a blank line).
 */
export class SseClient {
  readonly events: SseEvent[] = []
  comments = 0
  readonly response: IncomingMessage
  /** Resolves when the server ends the stream (or the connection closes). */
  readonly ended: Promise<void>
  readonly #close: () => void

  private constructor (response: IncomingMessage, close: () => void) {
    this.response = response
    this.#close = close
    let buffer = ''
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => {
      buffer += chunk
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        this.#block(buffer.slice(0, end))
        buffer = buffer.slice(end + 2)
      }
    })
    this.ended = new Promise((resolve) => { response.on('close', resolve) })
  }

  /** Opens `url` and resolves with the client once the answer's headers arrived. */
  static async open (url: string, headers: Record<string, string>): Promise<SseClient> {
    return await new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        resolve(new SseClient(response, () => { req.destroy() }))
      })
      req.on('error', reject)
      req.end()
    })
  }

  #block (block: string): void {
    const fields = new Map<string, string>()
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++
        continue
      }
      const colon = line.indexOf(':')
      if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart())
    }
    const data = fields.get('data')
    if (data !== undefined) this.events.push({ id: fields.get('id'), event: fields.get('event') ?? 'message', data: JSON.parse(data) })
  }

  /** Hangs up, as a client going away does. */
  close (): void {
    this.#close()
  }
}
