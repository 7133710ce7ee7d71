import t from 'tap'
import { TurnBatcher } from '../../src/lib/turn-batcher.js'
import '../helpers/leak-check.js'

/** A batcher whose batches double their inputs and are recorded, in the order they ran. */
function recording (options: { maxItems?: number, maxWeight?: number, maxInFlight?: number } = {}): { batcher: TurnBatcher<number, number>, batches: number[][], running: () => number, peak: () => number } {
  const batches: number[][] = []
  let running = 0
  let peak = 0
  const batcher = new TurnBatcher<number, number>({
    ...options,
    weight: (input) => input,
    run: async (batch) => {
      batches.push(batch)
      running++
      peak = Math.max(peak, running)
      await new Promise((resolve) => setTimeout(resolve, 5))
      running--
      return batch.map((input) => input * 2)
    }
  })
  return { batcher, batches, running: () => running, peak: () => peak }
}

t.test('the calls of one turn share a batch, and each gets its own output', async (t) => {
  const { batcher, batches } = recording()
  t.same(await Promise.all([1, 2, 3].map(async (n) => await batcher.add(n))), [2, 4, 6])
  t.same(batches, [[1, 2, 3]])
  t.equal(await batcher.add(4), 8, 'a call alone waits only for its turn to end')
  t.same(batches, [[1, 2, 3], [4]])
})

t.test('a batch closes at its most inputs, or once its weight reaches the limit', async (t) => {
  const byCount = recording({ maxItems: 2 })
  await Promise.all([1, 1, 1, 1, 1].map(async (n) => await byCount.batcher.add(n)))
  t.same(byCount.batches, [[1, 1], [1, 1], [1]])
  const byWeight = recording({ maxWeight: 5 })
  await Promise.all([3, 3, 1, 4, 2].map(async (n) => await byWeight.batcher.add(n)))
  t.same(byWeight.batches, [[3, 3], [1, 4], [2]], 'the input that reaches the limit is the last of its batch')
})

t.test('no more batches run at once than allowed; the rest gather into the next', async (t) => {
  const { batcher, batches, peak } = recording({ maxItems: 1, maxInFlight: 2 })
  await Promise.all([1, 2, 3, 4, 5].map(async (n) => await batcher.add(n)))
  t.equal(peak(), 2)
  t.equal(batches.length, 5)
})

t.test('a failed batch fails every call in it, and the next batch runs', async (t) => {
  let fail = true
  const batcher = new TurnBatcher<number, number>({
    run: async (batch) => {
      if (fail) throw new Error('store down')
      return batch
    }
  })
  const results = await Promise.allSettled([batcher.add(1), batcher.add(2)])
  t.same(results.map((result) => result.status), ['rejected', 'rejected'])
  fail = false
  t.equal(await batcher.add(3), 3)
})
