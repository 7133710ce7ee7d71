export interface ServerSentEvent {
  id: string | undefined
  event: string
  data: string
}

/**
 * The events of a `text/event-stream` body as they arrive (the WHATWG format: `field: value`
 * lines, an event ends at a blank line, `:` lines are comments such as keep-alives).
 */
export async function * readServerSentEvents (body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder()
  let buffered = ''
  let event: { id?: string, event?: string, data: string[] } = { data: [] }
  for await (const bytes of body) {
    buffered += decoder.decode(bytes, { stream: true })
    const lines = buffered.split(/\r\n|\r|\n/)
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      if (line === '') {
        if (event.data.length > 0) yield { id: event.id, event: event.event ?? 'message', data: event.data.join('\n') }
        event = { data: [] }
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon === -1 ? line : line.slice(0, colon)
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'data') event.data.push(value)
      else if (field === 'event') event.event = value
      else if (field === 'id') event.id = value
    }
  }
}
