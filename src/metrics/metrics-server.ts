import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import type { AppError } from '../errors.js'
import { errorBody } from '../routes/error-body.js'
import { METRICS_PATH, metricsRefusal } from './metrics-access.js'

export interface MetricsServer {
  /** Where it listens, once it does; rejects if it cannot (the port is taken, say). */
  address: Promise<AddressInfo>
  close: () => Promise<void>
}

function sendError (response: ServerResponse, error: Pick<AppError, 'code' | 'statusCode' | 'message'>): void {
  response.writeHead(error.statusCode, { 'content-type': 'application/json; charset=utf-8' })
  response.end(JSON.stringify(errorBody(error.code, error.statusCode, error.message)))
}

/**
 * A listener of its own for a process that serves no HTTP otherwise (a worker): `GET /metrics`
 * and nothing else, with the same token rule as the API's. Plain node:http, so that a worker
 * loads no web framework for one route.
 */
export function startMetricsServer (options: { host: string, port: number, token: string | undefined, registry: Registry, logger: Logger }): MetricsServer {
  const { registry, token, logger } = options
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://metrics').pathname
    if (request.method !== 'GET' || path !== METRICS_PATH) {
      sendError(response, { code: 'DOCQ_ROUTE_NOT_FOUND', statusCode: 404, message: `only GET ${METRICS_PATH} is served here` })
      return
    }
    const refusal = metricsRefusal(request, token)
    if (refusal !== undefined) {
      sendError(response, refusal)
      return
    }
    registry.metrics().then((body) => {
      response.writeHead(200, { 'content-type': registry.contentType })
      response.end(body)
    }, (error: Error) => {
      logger.error({ err: error }, 'collecting the metrics failed')
      sendError(response, { code: 'DOCQ_SERVER_INTERNAL', statusCode: 500, message: 'collecting the metrics failed' })
    })
  })
  const address = new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve(server.address() as AddressInfo)
    })
  })
  // The caller learns of a failed listen through `address`; this keeps it from being unhandled meanwhile.
  address.catch(() => {})
  return {
    address,
    close: async () => {
      if (!server.listening) return
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
    }
  }
}
