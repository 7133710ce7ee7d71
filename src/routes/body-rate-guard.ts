import type { IncomingMessage } from 'node:http'
import { performance } from 'node:perf_hooks'
import { AppError } from '../errors.js'
import { withTimeout } from '../lib/with-timeout.js'

/** The slowest a request body may arrive: at least `bytesPerSecond` in every window of `windowMs`. */
export interface MinimumBodyRate {
  /** 0 turns the guard off. */
  bytesPerSecond: number
  /** Also the grace before the first check. */
  windowMs: number
}

// A check that runs this late means our own event loop stalled, and unread bytes may be waiting
// in the kernel: the window says nothing about the client then.
const STALL_FACTOR = 1.5

const windowPassed = Symbol('window passed')

/**
 * Runs `receive`, which reads the body of `request`, and fails it with a 408 as soon as a window
 * passes in which the body brought fewer bytes than the minimum rate. A client trickling its body
 * (a byte every few seconds) would otherwise hold its connection and its share of the upload
 * budget for as long as it likes. Bytes are counted on the socket, so the stream that `receive`
 * reads is left untouched. When the guard fires the reading is abandoned (its late failure is
 * ignored); the caller's error answer closes the connection, which ends it.
 */
export async function receiveAtMinimumRate<T> (request: IncomingMessage, rate: MinimumBodyRate, receive: () => Promise<T>): Promise<T> {
  const reading = receive()
  if (rate.bytesPerSecond === 0 || request.complete) return await reading

  let lastBytes = request.socket.bytesRead
  let lastCheck = performance.now()
  for (;;) {
    const outcome = await withTimeout(reading, rate.windowMs, (): typeof windowPassed => windowPassed)
    if (outcome !== windowPassed) return outcome
    if (request.complete) return await reading
    const now = performance.now()
    const bytes = request.socket.bytesRead
    const elapsedMs = now - lastCheck
    // Bytes buffered but not yet consumed mean this process is behind, not the client.
    const judged = elapsedMs <= rate.windowMs * STALL_FACTOR && request.readableLength === 0
    if (judged && bytes - lastBytes < rate.bytesPerSecond * elapsedMs / 1000) {
      throw new AppError('DOCQ_UPLOAD_TOO_SLOW', `the upload arrived slower than ${rate.bytesPerSecond} bytes per second; send it again on a faster connection`)
    }
    lastBytes = bytes
    lastCheck = now
  }
}
