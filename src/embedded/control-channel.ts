import { once } from 'node:events'
import { chmod, mkdir, rm } from 'node:fs/promises'
import { createConnection, createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import type { Logger } from 'pino'

/**
 * The embedded service's control channel: how `npm run admins`, `keys` and `sweep` reach data
 * that a running service holds (PGlite is one process's database, locked by docqueue.pid). It is
 * a Unix socket in DATA_DIR/control, a folder only the service's user may enter, and no network
 * port: whoever can use it can read the database files in DATA_DIR anyway. The service runs each
 * request through its own pool of one connection, so it never interleaves with its own queries.
 *
 * One request per connection: the client writes it as one line of JSON, the service answers with
 * one line of JSON, {@link ControlAnswer}, and closes.
 */
export interface ControlAnswer {
  /** What the command printed, in order (the last line may be a password or key: never logged). */
  lines: string[]
  /** Why it failed, if it did. */
  error?: string
}

export type ControlHandler = (request: unknown, print: (line: string) => void) => Promise<void>

// A request is a command and a few arguments; anything longer is not one.
const MAX_REQUEST_BYTES = 64 * 1024

export function controlSocketPath (dataDir: string): string {
  return join(dataDir, 'control', 'docqueue.sock')
}

/** Listens on the data folder's control socket until the returned close is called. Only the holder of the data folder's lock may call it. */
export async function serveControlChannel (dataDir: string, handle: ControlHandler, logger: Logger): Promise<() => Promise<void>> {
  const path = controlSocketPath(dataDir)
  const folder = join(dataDir, 'control')
  await mkdir(folder, { recursive: true, mode: 0o700 })
  // An existing folder keeps its mode on mkdir: set it, whatever it was.
  await chmod(folder, 0o700)
  // A socket file left by a process that was killed: this process holds the lock, so none other is alive.
  await rm(path, { force: true })
  const server = createServer((socket) => { answer(socket, handle, logger).catch(() => { socket.destroy() }) })
  server.listen(path)
  await once(server, 'listening')
  return async () => {
    server.close()
    await rm(path, { force: true })
  }
}

async function answer (socket: Socket, handle: ControlHandler, logger: Logger): Promise<void> {
  socket.on('error', () => { socket.destroy() })
  const line = await firstLine(socket)
  if (line === undefined) return
  const reply: ControlAnswer = { lines: [] }
  try {
    const request: unknown = JSON.parse(line)
    logger.info({ command: (request as { command?: unknown } | null)?.command }, 'control channel request')
    await handle(request, (printed) => { reply.lines.push(printed) })
  } catch (error) {
    reply.error = error instanceof Error ? error.message : String(error)
    logger.warn({ err: reply.error }, 'control channel request failed')
  }
  socket.end(`${JSON.stringify(reply)}\n`)
}

/** The request line, or undefined (the socket destroyed) when the client sends too much or leaves first. */
async function firstLine (socket: Socket): Promise<string | undefined> {
  return await new Promise((resolve) => {
    let text = ''
    socket.setEncoding('utf8')
    const onData = (chunk: string): void => {
      text += chunk
      const end = text.indexOf('\n')
      if (end !== -1) {
        socket.off('data', onData)
        resolve(text.slice(0, end))
      } else if (text.length > MAX_REQUEST_BYTES) {
        socket.destroy()
        resolve(undefined)
      }
    }
    socket.on('data', onData)
    socket.on('close', () => { resolve(undefined) })
  })
}

/** Sends one request to the service holding `dataDir` and waits for its answer, however long the work takes. */
export async function askControlChannel (dataDir: string, request: unknown): Promise<ControlAnswer> {
  const socket = createConnection(controlSocketPath(dataDir))
  await once(socket, 'connect')
  socket.write(`${JSON.stringify(request)}\n`)
  let text = ''
  socket.setEncoding('utf8')
  for await (const chunk of socket) text += chunk as string
  if (!text.endsWith('\n')) throw new Error('the docqueue service closed its control channel without an answer (is it stopping?)')
  return JSON.parse(text) as ControlAnswer
}
