import { connect, type Socket } from 'node:net'
import { waitFor, type TestContext } from './context.js'

export interface RawResponse { status: number, headers: Record<string, string>, body: string }

/** A client connection that writes exactly what a test says, and records what comes back. */
export class RawClient {
  received = ''
  closed = false
  readonly socket: Socket

  /** Connects to `port` on loopback; the connection is destroyed at the context's teardown. */
  constructor (context: TestContext, port: number) {
    this.socket = connect(port, '127.0.0.1')
    this.socket.setEncoding('latin1')
    this.socket.on('data', (chunk: string) => { this.received += chunk })
    this.socket.on('close', () => { this.closed = true })
    // A write racing the server's close fails; what the test checks is the answer and the close.
    this.socket.on('error', () => {})
    context.onCleanup(async () => { this.socket.destroy() })
  }

  write (data: string | Buffer): void {
    if (!this.closed) this.socket.write(data)
  }

  /** The first complete response on this connection. */
  async response (): Promise<RawResponse> {
    return await waitFor(async () => parseResponse(this.received), 'a response')
  }

  async serverCloses (): Promise<void> {
    await waitFor(async () => this.closed ? true : undefined, 'the server to close the connection')
  }
}

function parseResponse (text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const body = text.slice(end + 4)
  if (body.length < Number(headers['content-length'] ?? 0)) return undefined
  return { status: Number(statusLine.split(' ')[1]), headers, body }
}
