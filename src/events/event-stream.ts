import type { FastifyReply } from 'fastify'
import { toEventJson, type DocumentEvent } from './document-events.js'

/** How long a client waits before reconnecting after the stream drops, sent as SSE `retry`. */
const CLIENT_RETRY_MS = 3_000

export interface EventStream {
  send: (event: DocumentEvent) => void
  end: () => void
  /** True once the client went away or the stream was ended. */
  readonly ended: boolean
}

/**
 * Turns a hijacked reply into a Server-Sent Events stream: headers (with the security headers
 * already set on the reply), a comment every `heartbeatMs` so that proxies keep an idle stream
 * open, one `status` (or `deleted`) event per document event. `onEnd` runs once, whoever ends it.
 */
export function openEventStream (reply: FastifyReply, options: { heartbeatMs: number, onEnd: () => void }): EventStream {
  reply.hijack()
  const response = reply.raw
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) response.setHeader(name, value)
  }
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    // Nginx buffers responses unless told not to; an event must reach the client at once.
    'x-accel-buffering': 'no'
  })
  response.write(`retry: ${CLIENT_RETRY_MS}\n\n`)
  let ended = false
  const heartbeat = setInterval(() => { response.write(': heartbeat\n\n') }, options.heartbeatMs)
  const finish = (): void => {
    if (ended) return
    ended = true
    clearInterval(heartbeat)
    options.onEnd()
  }
  response.on('close', finish)
  return {
    send: (event) => {
      if (ended) return
      const name = event.status === 'deleted' ? 'deleted' : 'status'
      response.write(`id: ${event.id}\nevent: ${name}\ndata: ${JSON.stringify(toEventJson(event))}\n\n`)
    },
    end: () => {
      finish()
      response.end()
    },
    get ended () { return ended }
  }
}
