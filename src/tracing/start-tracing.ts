import { readFileSync } from 'node:fs'
import { diag, DiagLogLevel } from '@opentelemetry/api'
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import type { Logger } from 'pino'

export interface TracingStart {
  protocol: 'http/protobuf' | 'http/json'
  /** The service name unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) gives one. */
  serviceName: string
  logger: Logger
}

/**
 * The OpenTelemetry SDK for this process, loaded only when tracing is configured: a tracer
 * provider that batches spans to an OTLP/HTTP exporter, registered as the API's global provider
 * with W3C trace-context propagation and an async-local context. The exporter takes its
 * endpoint, headers, timeout and compression from the standard OTEL_EXPORTER_OTLP_* variables,
 * the provider its sampler (OTEL_TRACES_SAMPLER) and batching (OTEL_BSP_*) likewise.
 * Returns the provider's shutdown, which exports the spans still buffered.
 */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

export function startTracing (start: TracingStart): () => Promise<void> {
  // The SDK reports failed exports and bad settings through its diagnostic logger: into ours.
  diag.setLogger({
    error: (message, ...args) => { start.logger.warn({ otel: args }, `tracing: ${message}`) },
    warn: (message, ...args) => { start.logger.warn({ otel: args }, `tracing: ${message}`) },
    info: () => {},
    debug: () => {},
    verbose: () => {}
  }, DiagLogLevel.WARN)
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': start.serviceName, 'service.version': version }))
    .merge(detectResources({ detectors: [envDetector] }))
  const exporter = start.protocol === 'http/json' ? new JsonExporter() : new ProtobufExporter()
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] })
  provider.register()
  start.logger.info({ protocol: start.protocol, service: resource.attributes['service.name'] }, 'exporting traces over OTLP')
  return async () => { await provider.shutdown() }
}
