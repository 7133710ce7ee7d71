/**
 * `work` over every item, at most `limit` at a time, the results in the items' order. With
 * `options`, an item whose `shouldStart` is false when its turn comes is not started and gets
 * `skipped` (how a caller stops early without abandoning the work in flight).
 */
export async function mapConcurrently<T, R> (
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  options?: { shouldStart: () => boolean, skipped: (item: T) => R }
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      const item = items[index] as T
      results[index] = options === undefined || options.shouldStart() ? await work(item) : options.skipped(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
  return results
}
