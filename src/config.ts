import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { defaultProcessingLimits } from './processing/index.js'
import type { RetryPolicies } from './queue/retry-policy.js'

// The OTLP encodings our exporters speak; gRPC is not among them.
const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const

const ConfigSchema = Type.Object({
  DATABASE_URL: Type.String({ minLength: 1, default: 'postgres://postgres@localhost:5432/docqueue' }),
  REDIS_URL: Type.String({ minLength: 1, default: 'redis://localhost:6379' }),
  // Colons would split BullMQ's key namespace; braces allow a Redis Cluster hash tag like {docqueue}.
  // `npm start` only: `auto` runs embedded (PGlite in the process, in-process wake-ups, no
  // Redis) when neither URL above is set and nothing answers on the default local ports; `on`
  // (or 1) always, `off` (or 0) never.
  DOCQUEUE_EMBEDDED: Type.Enum(['auto', 'on', 'off', '1', '0'], { default: 'auto' }),
  // The embedded mode's folder: its database lives in DATA_DIR/postgres, across restarts.
  DATA_DIR: Type.String({ minLength: 1, default: 'data' }),
  QUEUE_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_{}.-]+$', default: 'docqueue' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  UPLOAD_MAX_BYTES: Type.Integer({ minimum: 1, default: 25 * 1024 * 1024 }),
  // Uploads are buffered while they arrive: their declared sizes together stay under this. The
  // API's RSS peaks at about its resting size (~160 MiB) plus this, so 96 MiB keeps a flood of
  // uploads from any number of tenants under 300 MiB; one upload larger than it still runs alone.
  UPLOAD_BUFFER_BUDGET_BYTES: Type.Integer({ minimum: 1, default: 96 * 1024 * 1024 }),
  // Requests per tenant per minute, counted in Redis across API processes; 0 turns it off.
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 0, default: 3_000 }),
  // One tenant's uploads may hold at most this fraction of the buffer budget, so it cannot lock others out.
  UPLOAD_TENANT_BUDGET_SHARE: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.25 }),
  // An upload body must bring at least this many bytes in every window, or it is cut off (408); 0 turns it off.
  UPLOAD_MIN_BYTES_PER_SECOND: Type.Integer({ minimum: 0, default: 4_096 }),
  UPLOAD_MIN_RATE_WINDOW_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  // A client must send its request headers, and then its whole request, within these; 0 means no limit.
  HTTP_HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  HTTP_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 300_000 }),
  // How long an idle keep-alive connection stays open; above a load balancer's idle timeout when behind one.
  HTTP_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 10_000 }),
  // Which proxies' X-Forwarded-* headers to believe: true, or addresses/CIDRs; empty for none.
  TRUST_PROXY: Type.String({ default: '' }),
  // Failed authentications per client address per window, counted in Redis, before 429; 0 turns it off.
  AUTH_FAILURES_PER_ADDRESS: Type.Integer({ minimum: 0, default: 20 }),
  AUTH_FAILURE_WINDOW_MS: Type.Integer({ minimum: 1_000, default: 60_000 }),
  // Admin sessions end after this long without a request, and this long after signing in.
  ADMIN_SESSION_IDLE_MS: Type.Integer({ minimum: 1_000, default: 30 * 60_000 }),
  ADMIN_SESSION_MAX_MS: Type.Integer({ minimum: 1_000, default: 12 * 60 * 60_000 }),
  // Failed admin logins per account name, and per client address, per window before 429; 0 turns it off.
  ADMIN_LOGIN_FAILURES: Type.Integer({ minimum: 0, default: 10 }),
  ADMIN_LOGIN_WINDOW_MS: Type.Integer({ minimum: 1_000, default: 15 * 60_000 }),
  // How long a key's lookup (valid, unknown or revoked) is cached: a revoked key works for up to this long.
  API_KEY_CACHE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  WORKER_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
  CRON_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  // Bearer token of every /metrics endpoint; unset, the API's /metrics is off (it listens where
  // tenants do) and a worker's own endpoint needs none (it listens on METRICS_HOST only).
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  // A worker's metrics listener: unset is off; 0 picks a free port.
  WORKER_METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  // How long a claim lasts without renewal: fences every finishing write, and frees an item
  // whose holder has no heartbeat row or stopped renewing it.
  LEASE_MS: Type.Integer({ minimum: 500, default: 30_000 }),
  // Worker heartbeats: a worker silent for WORKER_DEAD_AFTER_MS is dead and its items are taken
  // back at the next reconciler tick, so takeover takes at most that plus RECONCILE_INTERVAL_MS.
  WORKER_HEARTBEAT_MS: Type.Integer({ minimum: 100, default: 1_000 }),
  WORKER_DEAD_AFTER_MS: Type.Integer({ minimum: 200, default: 5_000 }),
  MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  RETRY_BASE_MS: Type.Integer({ minimum: 0, default: 5_000 }),
  RETRY_MAX_MS: Type.Integer({ minimum: 0, default: 15 * 60_000 }),
  // Per-operation overrides; unset means the general value above.
  REPROCESS_MAX_ATTEMPTS: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  REPROCESS_RETRY_BASE_MS: Type.Optional(Type.Integer({ minimum: 0 })),
  REPROCESS_RETRY_MAX_MS: Type.Optional(Type.Integer({ minimum: 0 })),
  RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 100, default: 2_000 }),
  PROCESSING_TIMEOUT_MS: Type.Integer({ minimum: 100, default: defaultProcessingLimits.timeoutMs }),
  PROCESSING_MAX_MEMORY_MB: Type.Integer({ minimum: 96, default: defaultProcessingLimits.maxMemoryMb }),
  PROCESSING_MAX_PAGES: Type.Integer({ minimum: 1, default: defaultProcessingLimits.maxPages }),
  PROCESSING_MAX_CHARACTERS: Type.Integer({ minimum: 1, default: defaultProcessingLimits.maxCharacters }),
  DOCX_MAX_ENTRIES: Type.Integer({ minimum: 1, default: defaultProcessingLimits.maxZipEntries }),
  DOCX_MAX_PART_BYTES: Type.Integer({ minimum: 1, default: defaultProcessingLimits.maxPartBytes }),
  DOCX_MAX_UNCOMPRESSED_BYTES: Type.Integer({ minimum: 1, default: defaultProcessingLimits.maxUncompressedBytes }),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 25_000 }),
  // Event streams (GET /documents/{id}/events) one tenant may hold open per API process, and how
  // often an idle stream gets a comment so that proxies keep it open.
  EVENTS_MAX_STREAMS_PER_TENANT: Type.Integer({ minimum: 1, default: 100 }),
  EVENTS_HEARTBEAT_MS: Type.Integer({ minimum: 100, default: 15_000 }),
  // Events and finished webhook deliveries older than this are deleted by the workers' leader.
  EVENTS_RETENTION_DAYS: Type.Integer({ minimum: 1, default: 7 }),
  // Webhooks: endpoints per tenant, how often the leader looks for due deliveries, the time one
  // request may take, attempts per delivery and their exponential backoff.
  WEBHOOK_MAX_ENDPOINTS: Type.Integer({ minimum: 1, default: 10 }),
  WEBHOOK_POLL_MS: Type.Integer({ minimum: 50, default: 1_000 }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  WEBHOOK_RETRY_BASE_MS: Type.Integer({ minimum: 0, default: 10_000 }),
  WEBHOOK_RETRY_MAX_MS: Type.Integer({ minimum: 0, default: 6 * 60 * 60_000 }),
  // Whether webhooks may reach loopback, private and link-local addresses (off: an SSRF guard).
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: Type.Boolean({ default: false }),
  // OpenTelemetry traces, off unless an OTLP exporter or endpoint is named (see tracingExport).
  // The SDK, once loaded, reads the other standard OTEL_* variables (headers, sampler, batching) itself.
  OTEL_SDK_DISABLED: Type.Boolean({ default: false }),
  OTEL_TRACES_EXPORTER: Type.Optional(Type.Enum(['otlp', 'none'])),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ minLength: 1 })),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(Type.String({ minLength: 1 })),
  OTEL_EXPORTER_OTLP_PROTOCOL: Type.Optional(Type.Enum(OTLP_PROTOCOLS)),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: Type.Optional(Type.Enum(OTLP_PROTOCOLS)),
  OTEL_SERVICE_NAME: Type.Optional(Type.String({ minLength: 1 }))
})

export type Config = Static<typeof ConfigSchema>

/** Thrown when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Reads, converts and validates the service configuration from an environment map.
 * Fails fast with a message naming every bad key, so a typo never starts a half-working service.
 */
export function loadConfig (env: Record<string, string | undefined>): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const config = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw))
  const errors = [...Value.Errors(ConfigSchema, config)]
  if (errors.length > 0) {
    const problems = errors.map((error) => `${error.instancePath.slice(1) || 'config'} ${error.message}`)
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`)
  }
  const valid = config as Config
  // A single late heartbeat must not pass for a death.
  if (valid.WORKER_DEAD_AFTER_MS < 2 * valid.WORKER_HEARTBEAT_MS) {
    throw new ConfigError('invalid configuration: WORKER_DEAD_AFTER_MS must be at least twice WORKER_HEARTBEAT_MS')
  }
  return valid
}

/** The retry policy of each operation, with the per-operation overrides applied. */
export function retryPolicies (config: Config): RetryPolicies {
  const general = { maxAttempts: config.MAX_ATTEMPTS, baseMs: config.RETRY_BASE_MS, maxMs: config.RETRY_MAX_MS }
  return {
    process: general,
    reprocess: {
      maxAttempts: config.REPROCESS_MAX_ATTEMPTS ?? general.maxAttempts,
      baseMs: config.REPROCESS_RETRY_BASE_MS ?? general.baseMs,
      maxMs: config.REPROCESS_RETRY_MAX_MS ?? general.maxMs
    }
  }
}

/** How traces leave a process: OTLP over HTTP, in protobuf (the OpenTelemetry default) or JSON. */
export interface TracingExport {
  protocol: typeof OTLP_PROTOCOLS[number]
}

/**
 * Whether this process exports traces, and how; undefined (the default) when it does not. On
 * when OTEL_TRACES_EXPORTER is `otlp` or an OTLP endpoint is set, unless OTEL_SDK_DISABLED or
 * OTEL_TRACES_EXPORTER=none says otherwise. Unlike the OpenTelemetry default, nothing is sent
 * to localhost:4318 unasked: a service that exports nothing pays nothing.
 */
export function tracingExport (config: Config): TracingExport | undefined {
  if (config.OTEL_SDK_DISABLED || config.OTEL_TRACES_EXPORTER === 'none') return undefined
  const named = config.OTEL_TRACES_EXPORTER === 'otlp' || config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined
  if (!named) return undefined
  return { protocol: config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? config.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf' }
}
