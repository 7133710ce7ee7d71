import type { FastifyDynamicSwaggerOptions, SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger'
import { UploadBodyDoc } from './schemas.js'

interface ObjectSchema {
  properties?: Record<string, { default?: unknown }>
  required?: string[]
}

/** A querystring schema whose parameters with a default are not required: Ajv fills them in when they are missing. */
function defaultsOptional<T extends ObjectSchema | undefined> (querystring: T): T {
  if (querystring?.required === undefined) return querystring
  return { ...querystring, required: querystring.required.filter((name) => querystring.properties?.[name]?.default === undefined) }
}

const documentRoute: SwaggerTransform = ({ schema, url, route }) => {
  const documented = { ...schema, querystring: defaultsOptional(schema.querystring as ObjectSchema | undefined) }
  // The upload body is streamed by hand, so Fastify validates no body schema; the docs get one.
  if (route.method === 'POST' && url === '/documents') documented.body = UploadBodyDoc
  return { schema: documented, url }
}

type Loose = Record<string, any>

/**
 * What route schemas cannot say to @fastify/swagger, which makes every request body required
 * and keeps a header's `required` inside its schema: a route marks an optional body with
 * `x-body-optional`, and a response header (see `responseHeader`) with `x-required`.
 */
const finishDocument: SwaggerTransformObject = (documentObject) => {
  if (!('openapiObject' in documentObject)) return documentObject.swaggerObject
  const { openapiObject } = documentObject
  for (const pathItem of Object.values(openapiObject.paths ?? {}) as Loose[]) {
    for (const operation of Object.values(pathItem) as Loose[]) {
      if (operation['x-body-optional'] === true) {
        delete operation['x-body-optional']
        operation.requestBody.required = false
      }
      for (const response of Object.values(operation.responses ?? {}) as Loose[]) {
        for (const header of Object.values(response.headers ?? {}) as Loose[]) {
          if (header.schema['x-required'] === true) header.required = true
          delete header.schema['x-required']
        }
      }
    }
  }
  return openapiObject
}

/** The options of @fastify/swagger: the OpenAPI document served at `/docs/json`. */
export const swaggerOptions: FastifyDynamicSwaggerOptions = {
  transform: documentRoute,
  transformObject: finishDocument,
  openapi: {
    info: { title: 'docqueue', version: '0.1.0', description: 'Durable document processing: upload, queue, extract, query.' },
    // Relative, so the document is right for whichever host serves it.
    servers: [{ url: '/', description: 'The deployment serving this document' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from `npm run keys -- create --tenant NAME`' },
        cronSecret: { type: 'http', scheme: 'bearer', description: 'The CRON_SECRET of the deployment' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'The METRICS_TOKEN of the deployment' },
        adminSession: { type: 'apiKey', in: 'cookie', name: 'docq_admin', description: 'The session cookie of an admin account, set by signing in at /admin/login' }
      }
    }
  }
}
