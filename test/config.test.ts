import t from 'tap'
import { ConfigError, loadConfig, tracingExport } from '../src/config.js'
import './helpers/leak-check.js'

t.test('loadConfig fills defaults for local Postgres and Redis', async (t) => {
  const config = loadConfig({})
  t.match(config, {
    DATABASE_URL: 'postgres://postgres@localhost:5432/docqueue',
    REDIS_URL: 'redis://localhost:6379',
    QUEUE_PREFIX: 'docqueue',
    PORT: 3000,
    UPLOAD_MAX_BYTES: 25 * 1024 * 1024,
    WORKER_CONCURRENCY: 2,
    LOG_LEVEL: 'info'
  })
  t.equal(config.CRON_SECRET, undefined)
})

t.test('loadConfig converts numbers and ignores empty values', async (t) => {
  const config = loadConfig({ PORT: '8080', WORKER_CONCURRENCY: '4', CRON_SECRET: '' })
  t.equal(config.PORT, 8080)
  t.equal(config.WORKER_CONCURRENCY, 4)
  t.equal(config.CRON_SECRET, undefined)
})

t.test('loadConfig names every bad key', async (t) => {
  const error = t.throws(() => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', QUEUE_PREFIX: 'a:b', CRON_SECRET: 'short' })) as Error
  t.equal(error.name, 'ConfigError')
  for (const key of ['PORT', 'LOG_LEVEL', 'QUEUE_PREFIX', 'CRON_SECRET']) t.match(error.message, key)
  t.throws(() => loadConfig({ WORKER_CONCURRENCY: '0' }), ConfigError)
})

t.test('metrics are off by default, and their settings are validated', async (t) => {
  const defaults = loadConfig({})
  t.equal(defaults.METRICS_TOKEN, undefined)
  t.equal(defaults.WORKER_METRICS_PORT, undefined)
  t.equal(defaults.METRICS_HOST, '127.0.0.1')
  const set = loadConfig({ METRICS_TOKEN: 'a-metrics-token-of-32-characters', WORKER_METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })
  t.same([set.METRICS_TOKEN, set.WORKER_METRICS_PORT, set.METRICS_HOST], ['a-metrics-token-of-32-characters', 9464, '0.0.0.0'])
  t.equal(loadConfig({ WORKER_METRICS_PORT: '0' }).WORKER_METRICS_PORT, 0, '0 picks a free port')
  const error = t.throws(() => loadConfig({ METRICS_TOKEN: 'short', WORKER_METRICS_PORT: '70000' })) as Error
  for (const key of ['METRICS_TOKEN', 'WORKER_METRICS_PORT']) t.match(error.message, key)
  t.throws(() => loadConfig({ WORKER_METRICS_PORT: 'ninety' }), ConfigError)
})

t.test('traces are off by default, on with an OTLP endpoint or exporter, and their settings are validated', async (t) => {
  t.equal(tracingExport(loadConfig({})), undefined, 'off: nothing is sent to a default collector unasked')
  t.equal(tracingExport(loadConfig({ OTEL_SERVICE_NAME: 'docqueue', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })), undefined, 'a name or a protocol alone does not turn it on')
  t.same(tracingExport(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })), { protocol: 'http/protobuf' }, 'OpenTelemetry\'s default encoding')
  t.same(tracingExport(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })), { protocol: 'http/json' })
  t.same(tracingExport(loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' })), { protocol: 'http/protobuf' }, 'the traces-specific setting wins')
  t.equal(tracingExport(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })), undefined, 'none wins over an endpoint')
  t.equal(tracingExport(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })), undefined, 'so does disabling the SDK')
  const error = t.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_EXPORTER: 'zipkin' })) as Error
  for (const key of ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_EXPORTER']) t.match(error.message, key)
})
