/**
 * Settles as `work` does, unless `ms` pass first: then settles with what `onTimeout` returns, or
 * rejects with what it throws. Throwing turns a slow answer into an error; returning a marker lets
 * the caller tell "not yet" apart from a result. The timer is cleared either way, so a finished
 * wait never keeps the process alive or fires late. `work` is not cancelled: once the time is up
 * its outcome is ignored, a late rejection included.
 */
export async function withTimeout<T, U> (work: Promise<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await new Promise<T | U>((resolve, reject) => {
      timer = setTimeout(() => {
        try {
          resolve(onTimeout())
        } catch (err) {
          reject(err)
        }
      }, ms)
      work.then(resolve, reject)
    })
  } finally {
    clearTimeout(timer)
  }
}
