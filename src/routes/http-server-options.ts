import type { ServerOptions } from 'node:http'

/** How long the HTTP server waits on a client, in milliseconds. */
export interface HttpTimeouts {
  /** From the connection (or the previous response) to the end of the request headers. */
  headersTimeoutMs: number
  /** From the connection to the end of the request body; 0 for no limit. */
  requestTimeoutMs: number
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number
}

// Node checks the header and request deadlines on a timer (30 s by default), so a deadline of
// 10 s could otherwise last 40 s.
const MAX_CHECK_INTERVAL_MS = 1_000

/**
 * The Fastify options that bound how long a client may hold a connection. Fastify turns off
 * Node's own request timeout (its default is 0), so without these a client sending one byte at
 * a time could keep a request open forever.
 *
 * No socket inactivity timeout (`connectionTimeout`) is set: it would also cut a long request
 * whose handler is still working (a sweep through `/cron/process`).
 */
export function httpServerOptions (timeouts: HttpTimeouts): { http: ServerOptions, requestTimeout: number, keepAliveTimeout: number } {
  const deadlines = [timeouts.headersTimeoutMs, timeouts.requestTimeoutMs].filter((ms) => ms > 0)
  return {
    // Fastify sets requestTimeout on the server after creating it; Node checks it against
    // headersTimeout when the server is created, so both go in here too.
    http: {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(MAX_CHECK_INTERVAL_MS, ...deadlines.map((ms) => Math.ceil(ms / 4)))
    },
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs
  }
}

/**
 * Fastify's `trustProxy` from its configuration text: `true` (any peer: only when nothing but
 * the proxy can reach the API), or the proxies' addresses, CIDRs or the names `loopback`,
 * `linklocal`, `uniquelocal`. No hop counts: they trust whatever a direct client claims.
 */
export function trustProxyOption (setting: string): boolean | string[] {
  const value = setting.trim()
  if (value === '' || value === 'false') return false
  if (value === 'true') return true
  return value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
}
