// autocannon ships no types and @types/autocannon is not installed; this covers what the bench uses.
declare module 'autocannon' {
  interface Options {
    url: string
    method?: string
    headers?: Record<string, string>
    body?: string | Buffer
    connections?: number
    /** Seconds. */
    duration?: number
    /** Stop after this many requests instead of after `duration`. */
    amount?: number
    /** Seconds before a request counts as timed out. */
    timeout?: number
    pipelining?: number
  }

  interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p97_5: number
    p99: number
  }

  interface Result {
    /** Seconds, to two decimals. */
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    resets: number
    '2xx': number
    '4xx': number
    '5xx': number
    statusCodeStats: Record<string, { count: number }>
    /** Milliseconds. */
    latency: Histogram
    /** Responses per one-second sample. */
    requests: Histogram & { sent: number }
  }

  function autocannon (options: Options, callback: (error: Error | null, result: Result) => void): unknown

  export default autocannon
  export type { Options, Result, Histogram }
}
