import { createServer, connect, type Server, type Socket } from 'node:net'

interface Link {
  client: Socket
  upstream: Socket
  /** Bytes held while the link is silent, per direction, in order. */
  toUpstream: Buffer[]
  toClient: Buffer[]
}

/**
 * A loopback TCP proxy that can go silent: while black-holed it keeps every connection open
 * but forwards nothing in either direction, as a network partition does (no RST, no FIN, the
 * peers see only silence). Healing delivers what was held, in order, as TCP would after its
 * retransmissions, so protocol streams (RESP, the Postgres wire protocol) stay intact. A peer
 * that closes while silent takes its held bytes with it: they never arrive, like the unsent
 * buffer of a process killed during a partition.
 */
export class SilentProxy {
  readonly upstreamHost: string
  readonly upstreamPort: number
  readonly #server: Server
  readonly #links = new Set<Link>()
  #silent = false
  #port = 0

  private constructor (upstreamHost: string, upstreamPort: number) {
    this.upstreamHost = upstreamHost
    this.upstreamPort = upstreamPort
    this.#server = createServer((client) => { this.#accept(client) })
  }

  /** Listens on a free loopback port and forwards to `upstreamHost`:`upstreamPort`. */
  static async start (upstreamHost: string, upstreamPort: number): Promise<SilentProxy> {
    const proxy = new SilentProxy(upstreamHost, upstreamPort)
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject)
      proxy.#server.listen(0, '127.0.0.1', () => {
        const address = proxy.#server.address()
        proxy.#port = typeof address === 'object' && address !== null ? address.port : 0
        resolve()
      })
    })
    return proxy
  }

  get port (): number {
    return this.#port
  }

  get silent (): boolean {
    return this.#silent
  }

  /** Open connections through the proxy right now. */
  get connections (): number {
    return this.#links.size
  }

  /** From now on nothing passes in either direction; connections stay open. */
  blackHole (): void {
    this.#silent = true
  }

  /** Delivers what was held and forwards again. */
  heal (): void {
    this.#silent = false
    for (const link of this.#links) {
      for (const chunk of link.toUpstream.splice(0)) link.upstream.write(chunk)
      for (const chunk of link.toClient.splice(0)) link.client.write(chunk)
    }
  }

  /** Stops listening and cuts every connection. */
  async close (): Promise<void> {
    for (const link of this.#links) {
      link.client.destroy()
      link.upstream.destroy()
    }
    this.#links.clear()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept (client: Socket): void {
    const upstream = connect({ host: this.upstreamHost, port: this.upstreamPort })
    const link: Link = { client, upstream, toUpstream: [], toClient: [] }
    this.#links.add(link)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    client.on('data', (chunk: Buffer) => { this.#forward(link.toUpstream, upstream, chunk) })
    upstream.on('data', (chunk: Buffer) => { this.#forward(link.toClient, client, chunk) })
    const onClose = (other: Socket): void => {
      this.#links.delete(link)
      // Silent: whatever was held dies with the connection. Otherwise the close passes on.
      if (this.#silent) other.destroy()
      else other.end()
    }
    client.on('close', () => onClose(upstream))
    upstream.on('close', () => onClose(client))
    // A reset on either side ends the pair through 'close'; the error itself is expected.
    client.on('error', () => {})
    upstream.on('error', () => {})
  }

  #forward (held: Buffer[], target: Socket, chunk: Buffer): void {
    if (this.#silent) held.push(chunk)
    else if (!target.destroyed) target.write(chunk)
  }
}
