import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'
import type { RunObserver } from '../worker/run-observer.js'
import { registerUndeliveredWakeUps } from './wake-up-metrics.js'

/** From a small text file's tens of milliseconds to the default PROCESSING_TIMEOUT_MS of 30 s and past it. */
const PROCESSING_SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

/** A failed attempt has no result, so no detected type: it is counted under this one. */
export const UNKNOWN_TYPE = 'unknown'

/** What a worker process exports: the items it ran, the repairs it made while leading, the wake-ups it could not send. */
export interface WorkerMetrics {
  registry: Registry
  observer: RunObserver
}

export function createWorkerMetrics (queue: { readonly undeliveredWakeUps: number }): WorkerMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  registerUndeliveredWakeUps(registry, queue)
  const registers = [registry]
  const claims = new Counter({ name: 'docqueue_worker_claims_total', help: 'Items claimed by this worker, by operation', labelNames: ['operation'] as const, registers })
  const completions = new Counter({
    name: 'docqueue_worker_completions_total',
    help: 'Items this worker completed, by operation and detected type',
    labelNames: ['operation', 'detected_type'] as const,
    registers
  })
  const failures = new Counter({
    name: 'docqueue_worker_failures_total',
    help: 'Items this worker failed for good, by operation and error code',
    labelNames: ['operation', 'code'] as const,
    registers
  })
  const retries = new Counter({
    name: 'docqueue_worker_retries_total',
    help: 'Attempts that failed transiently and scheduled a retry, by operation and error code',
    labelNames: ['operation', 'code'] as const,
    registers
  })
  const lost = new Counter({
    name: 'docqueue_worker_lost_total',
    help: 'Failed attempts whose claim had been taken over or released meanwhile: their outcome was discarded',
    labelNames: ['operation'] as const,
    registers
  })
  const processing = new Histogram({
    name: 'docqueue_worker_processing_seconds',
    help: 'Time from the claim to the recorded outcome, by operation, detected type and outcome',
    labelNames: ['operation', 'detected_type', 'outcome'] as const,
    buckets: PROCESSING_SECONDS_BUCKETS,
    registers
  })
  const redispatched = new Counter({ name: 'docqueue_reconciler_redispatched_total', help: 'Orphaned items the reconciler sent a new wake-up for', registers })
  const takenOver = new Counter({ name: 'docqueue_reconciler_taken_over_total', help: 'Items of dead workers the reconciler put back to pending', registers })
  const crashed = new Counter({ name: 'docqueue_reconciler_crashed_total', help: 'Poison items the reconciler failed as crashed', registers })

  return {
    registry,
    observer: {
      claimed: (item) => { claims.inc({ operation: item.operation }) },
      completed: (item, result, durationMs) => {
        completions.inc({ operation: item.operation, detected_type: result.mediaType })
        processing.observe({ operation: item.operation, detected_type: result.mediaType, outcome: 'completed' }, durationMs / 1000)
      },
      failed: (item, failure, outcome, durationMs) => {
        if (outcome === 'lost') {
          lost.inc({ operation: item.operation })
          return
        }
        const counter = outcome === 'failed' ? failures : retries
        counter.inc({ operation: item.operation, code: failure.code })
        processing.observe({ operation: item.operation, detected_type: UNKNOWN_TYPE, outcome }, durationMs / 1000)
      },
      reconciled: (repairs) => {
        redispatched.inc(repairs.redispatched)
        takenOver.inc(repairs.takenOver)
        crashed.inc(repairs.crashed)
      }
    }
  }
}
