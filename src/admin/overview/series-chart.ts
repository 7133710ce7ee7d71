import type { Series } from './overview-json.js'

/** One bar of a throughput chart, in the chart's own units (SVG user space). */
export interface ChartBar {
  x: number
  y: number
  width: number
  height: number
  kind: 'completed' | 'failed'
  /** What a reader hovering or using a screen reader learns of the bar. */
  label: string
}

export interface SeriesChart {
  width: number
  height: number
  bars: ChartBar[]
  /** The busiest bucket's total: the top of the scale. */
  max: number
  totals: { completed: number, failed: number }
}

const HEIGHT = 80
const BAR = 6
const GAP = 2

function describe (start: string, bucketSeconds: number): string {
  return bucketSeconds >= 3600 ? `${start.slice(11, 13)}:00 UTC` : `${start.slice(11, 16)} UTC`
}

/**
 * Lays a throughput series out as stacked bars (completed below, failed above) to draw as SVG
 * on the server: the page needs no script and no inline style, and the figures are attributes.
 */
export function seriesChart (series: Series): SeriesChart {
  const max = Math.max(1, ...series.buckets.map((bucket) => bucket.completed + bucket.failed))
  const scale = HEIGHT / max
  const bars = series.buckets.flatMap((bucket, i): ChartBar[] => {
    const x = i * (BAR + GAP)
    const completed = bucket.completed * scale
    const failed = bucket.failed * scale
    const when = describe(bucket.start, series.bucketSeconds)
    return [
      { x, y: HEIGHT - completed, width: BAR, height: completed, kind: 'completed', label: `${when}: ${bucket.completed} completed` },
      { x, y: HEIGHT - completed - failed, width: BAR, height: failed, kind: 'failed', label: `${when}: ${bucket.failed} failed` }
    ].filter((bar) => bar.height > 0) as ChartBar[]
  })
  return {
    width: series.buckets.length * (BAR + GAP),
    height: HEIGHT,
    bars,
    max,
    totals: {
      completed: series.buckets.reduce((sum, bucket) => sum + bucket.completed, 0),
      failed: series.buckets.reduce((sum, bucket) => sum + bucket.failed, 0)
    }
  }
}
