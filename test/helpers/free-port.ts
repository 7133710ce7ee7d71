import { createServer } from 'node:net'

// The shared Redis and Postgres of the machine: a private engine must never land on them.
const RESERVED_PORTS = new Set([5432, 6379])

/** A TCP port on loopback that was free a moment ago (the OS picks it). */
export async function freePort (): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const address = server.address()
        const chosen = typeof address === 'object' && address !== null ? address.port : 0
        server.close(() => resolve(chosen))
      })
    })
    if (port > 0 && !RESERVED_PORTS.has(port)) return port
  }
}
