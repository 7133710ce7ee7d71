import { withTimeout } from '../lib/with-timeout.js'

/**
 * Runs a call against Redis only when the connection is up, and gives up after `timeoutMs`.
 * BullMQ waits for a connection indefinitely; callers that serve a request or a sweep must not.
 */
export async function redisCall<T> (isConnected: () => boolean, work: () => Promise<T>, timeoutMs = 2_000): Promise<T> {
  if (!isConnected()) throw new Error('redis is not connected')
  return await withTimeout(work(), timeoutMs, () => { throw new Error(`redis did not answer within ${timeoutMs} ms`) })
}
