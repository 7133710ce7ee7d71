import autocannon, { type Result } from 'autocannon'
import type { MultipartBody } from './sample-text.js'

export interface UploadLoad {
  url: string
  body: MultipartBody
  headers?: Record<string, string>
  connections: number
  /** Run for this many seconds ... */
  seconds?: number
  /** ... or send exactly this many requests. */
  amount?: number
}

export interface UploadStats {
  seconds: number
  /** Requests sent, answered or not. */
  sent: number
  ok: number
  /** 2xx responses per second over the whole run. */
  okPerSecond: number
  latencyMs: { mean: number, p50: number, p97_5: number, p99: number, max: number }
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
}

/** Replays the same multipart upload on `connections` keep-alive connections and summarises it. */
export async function runUploadLoad (load: UploadLoad): Promise<UploadStats> {
  const result = await new Promise<Result>((resolve, reject) => {
    autocannon({
      url: load.url,
      method: 'POST',
      headers: { ...load.headers, 'content-type': load.body.contentType },
      body: load.body.body,
      connections: load.connections,
      ...(load.amount !== undefined ? { amount: load.amount } : { duration: load.seconds ?? 10 }),
      timeout: 30
    }, (error, result) => { if (error !== null) reject(error); else resolve(result) })
  })
  const statusCodes: Record<string, number> = {}
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count
  return {
    seconds: result.duration,
    sent: result.requests.sent,
    ok: result['2xx'],
    okPerSecond: result['2xx'] / result.duration,
    latencyMs: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes
  }
}
