/**
 * Runs a call against Redis only when the connection is up, and gives up after `timeoutMs`.
 * BullMQ waits for a connection indefinitely; callers that serve a request or a sweep must not.
 */
export async function redisCall<T> (isConnected: () => boolean, work: () => Promise<T>, timeoutMs = 2_000): Promise<T> {
  if (!isConnected()) throw new Error('redis is not connected')
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([work(), new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`redis did not answer within ${timeoutMs} ms`)), timeoutMs)
    })])
  } finally {
    clearTimeout(timer)
  }
}
