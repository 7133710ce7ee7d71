import type { Logger } from 'pino'
import type { TracingExport } from '../config.js'

export interface Tracing {
  /** Exports the spans still buffered and stops; call last, once the process's work has stopped. */
  shutdown: () => Promise<void>
}

/**
 * Starts exporting this process's spans when `exported` says so; otherwise does nothing and
 * loads nothing: the SDK and its exporters are imported only here, on demand, so a service
 * without tracing runs the OpenTelemetry API alone, whose spans are no-ops.
 */
export async function openTracing (exported: TracingExport | undefined, serviceName: string, logger: Logger): Promise<Tracing> {
  if (exported === undefined) return { shutdown: async () => {} }
  const { startTracing } = await import('./start-tracing.js')
  return { shutdown: startTracing({ protocol: exported.protocol, serviceName, logger }) }
}
