import t from 'tap'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { withTimeout } from '../../src/lib/with-timeout.js'
import '../helpers/leak-check.js'

/** Timers the process holds now; a timer left behind shows here until it fires. */
function activeTimers (): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
}

/** A promise with its settling functions, to settle it when the test says so. */
function pending<T> (): { promise: Promise<T>, resolve: (value: T) => void, reject: (error: Error) => void } {
  let settle!: { resolve: (value: T) => void, reject: (error: Error) => void }
  const promise = new Promise<T>((resolve, reject) => { settle = { resolve, reject } })
  return { promise, ...settle }
}

const never = new Promise<never>(() => {})

t.test('resolves as the work does and clears its timer', async (t) => {
  const before = activeTimers()
  const work = pending<string>()
  let timedOut = false
  const waiting = withTimeout(work.promise, 60_000, () => { timedOut = true })
  t.equal(activeTimers(), before + 1, 'the timer runs while the work does')
  work.resolve('done')
  t.equal(await waiting, 'done')
  t.equal(activeTimers(), before, 'no timer is left behind')
  t.equal(timedOut, false)
})

t.test('rejects as the work does and clears its timer', async (t) => {
  const before = activeTimers()
  const work = pending<string>()
  const waiting = withTimeout(work.promise, 60_000, () => 'late')
  t.equal(activeTimers(), before + 1, 'the timer runs while the work does')
  const failure = new Error('work failed')
  work.reject(failure)
  await t.rejects(waiting, failure)
  t.equal(activeTimers(), before, 'no timer is left behind')
})

t.test('rejects with the error onTimeout throws when the time is up', async (t) => {
  const before = activeTimers()
  const timeout = new Error('too slow')
  let calls = 0
  await t.rejects(withTimeout(never, 5, () => { calls += 1; throw timeout }), timeout)
  t.equal(calls, 1)
  t.equal(activeTimers(), before)
})

t.test('resolves with the marker onTimeout returns when the time is up', async (t) => {
  const marker = Symbol('time is up')
  t.equal(await withTimeout(never, 5, () => marker), marker)
})

t.test('ignores a rejection of the work that comes after the time is up', async (t) => {
  const unhandled: unknown[] = []
  const record = (reason: unknown): void => { unhandled.push(reason) }
  process.on('unhandledRejection', record)
  t.teardown(() => { process.off('unhandledRejection', record) })
  const work = pending<string>()
  t.equal(await withTimeout(work.promise, 5, () => 'timed out'), 'timed out')
  work.reject(new Error('failed late'))
  // Node reports an unhandled rejection once the microtasks after it have run.
  await nextTurn()
  await nextTurn()
  t.same(unhandled, [])
})
