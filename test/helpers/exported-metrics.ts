import type { Registry } from 'prom-client'
import { createApiMetrics } from '../../src/metrics/api-metrics.js'
import { createWorkerMetrics } from '../../src/metrics/worker-metrics.js'

export interface ExportedMetric { type: string, labelNames: string[] }

// Listing the metrics collects none of them, so neither the API's queue gauges nor the
// wake-up counter ever read these stand-ins.
const neverQueried = {} as never
const neverRead = {} as never

/** Every docqueue_* metric the API and the workers export, by name, with its type and label names. */
export function exportedMetrics (): Map<string, ExportedMetric> {
  const registries: Registry[] = [createApiMetrics(neverQueried, neverRead).registry, createWorkerMetrics(neverRead).registry]
  const metrics = new Map<string, ExportedMetric>()
  for (const registry of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      const { name, labelNames } = metric as unknown as { name: string, labelNames: string[] }
      if (name.startsWith('docqueue_')) metrics.set(name, { type: metric.constructor.name.toLowerCase(), labelNames: [...labelNames] })
    }
  }
  return metrics
}

/** The series names a metric appears under in a scrape: a histogram's buckets, sum and count. */
export function seriesNames (name: string, metric: ExportedMetric): string[] {
  return metric.type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]
}
