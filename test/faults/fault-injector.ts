import type { ClaimedItem } from '../../src/queue/queue-item.js'
import type { RunnerHooks } from '../../src/worker/run-queue-item.js'

/**
 * Faults for the reliability tests, aimed at single documents by markers in their filename, so
 * a test can mix healthy and sick documents in one real deployment:
 * - `flakyN`: the first N attempts fail with a transient error;
 * - `poison`: the worker process kills itself (SIGKILL) on every attempt;
 * - `sleepMS`: the attempt waits MS milliseconds first (to be caught in flight);
 * - `blockMS`: the attempt blocks the event loop for MS milliseconds (stalls BullMQ's lock).
 * Hooked into the runner by fault-worker.ts, the worker process the reliability tests start.
 */
export function createFaultInjector (): RunnerHooks {
  return {
    beforeProcessing: async (item: ClaimedItem) => {
      const name = item.filename
      const flaky = /flaky(\d+)/.exec(name)
      if (flaky !== null && item.attempts <= Number(flaky[1])) {
        throw new Error(`injected transient failure on attempt ${item.attempts} of ${flaky[1]}`)
      }
      if (name.includes('poison')) process.kill(process.pid, 'SIGKILL')
      const sleep = /sleep(\d+)/.exec(name)
      if (sleep !== null) await new Promise((resolve) => setTimeout(resolve, Number(sleep[1])))
      const block = /block(\d+)/.exec(name)
      if (block !== null) {
        const until = Date.now() + Number(block[1])
        while (Date.now() < until) { /* deliberately hold the event loop */ }
      }
    }
  }
}

/** What a fault worker logs once it is consuming: the harness waits for this line. */
export const FAULT_WORKER_READY = 'fault injection is on: documents with fault markers in their names will misbehave'
