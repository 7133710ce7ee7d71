import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type LightMyRequestResponse, type preHandlerAsyncHookHandler } from 'fastify'
import t, { type Test } from 'tap'
import { adminApiRoutes } from '../../src/admin/overview/routes.js'
import { AppError } from '../../src/errors.js'
import { registerErrorHandlers } from '../../src/routes/error-handler.js'
import { swaggerOptions } from '../../src/routes/openapi.js'
import { TestContext } from '../helpers/context.js'
import { ContractChecker } from '../helpers/openapi-contract.js'
import { completedDocument, newTenant } from '../helpers/queue-fixtures.js'

// `GET /admin/api/overview` on a bare Fastify app with the API's error handling and OpenAPI
// document. Two stand-ins for what the login side provides: the admin guard, which here lets a
// request through with the tenants named in a header ('*' for all) and refuses one without it,
// and the session cookie's security scheme, which the route names.
const context = TestContext.create(t)
const stack = await context.stack()

const standInGuard: preHandlerAsyncHookHandler = async (request) => {
  const tenants = request.headers['x-test-tenants']
  if (typeof tenants !== 'string') throw new AppError('DOCQ_AUTH_MISSING', 'no admin session')
  Object.assign(request, { admin: { tenants: tenants === '*' ? null : tenants.split(',') } })
}

const withAdminSessionScheme: FastifyDynamicSwaggerOptions = {
  ...swaggerOptions,
  openapi: {
    ...swaggerOptions.openapi,
    components: {
      securitySchemes: {
        ...swaggerOptions.openapi?.components?.securitySchemes,
        adminSession: { type: 'apiKey', in: 'cookie', name: 'admin-session' }
      }
    }
  }
}

async function appWith (preHandler: preHandlerAsyncHookHandler): Promise<FastifyInstance> {
  // The API's own Ajv settings: an unknown query parameter is refused, not stripped.
  const app = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } } }).withTypeProvider<TypeBoxTypeProvider>()
  context.onCleanup(async () => { await app.close() })
  registerErrorHandlers(app)
  await app.register(swagger, withAdminSessionScheme)
  await app.register(adminApiRoutes, { overview: stack, preHandler })
  await app.ready()
  return app
}

const app = await appWith(standInGuard)
const contract = new ContractChecker(app.swagger())
const tenant = newTenant()
await completedDocument(stack, { tenant })
await completedDocument(stack)

async function get (t: Test, headers: Record<string, string>, url = '/admin/api/overview'): Promise<LightMyRequestResponse> {
  const response = await app.inject({ method: 'GET', url, headers })
  contract.check(t, 'getAdminOverview', 'GET', url, response)
  return response
}

t.test('the overview of every tenant, as the OpenAPI document says', async (t) => {
  const response = await get(t, { 'x-test-tenants': '*' })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.equal(body.counts.completed, 2)
  t.ok(Array.isArray(body.workers), 'workers are listed')
  t.ok(body.wakeUpDrift !== null, 'and the wake-up drift')
})

t.test('an account limited to some tenants sees theirs only', async (t) => {
  const response = await get(t, { 'x-test-tenants': tenant })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(body.scope, { tenants: [tenant] })
  t.equal(body.counts.completed, 1)
  t.same(body.tenants.list.map((entry: { tenant: string }) => entry.tenant), [tenant])
  t.equal(body.workers, null)
  t.equal(body.wakeUpDrift, null)
})

t.test('the guard refuses a request without a session', async (t) => {
  const response = await get(t, {})
  t.equal(response.statusCode, 401)
  t.equal(response.json().code, 'DOCQ_AUTH_MISSING')
})

t.test('an unknown query parameter is a client error', async (t) => {
  const response = await get(t, { 'x-test-tenants': '*' }, '/admin/api/overview?tenant=other')
  t.equal(response.statusCode, 400)
  t.equal(response.json().code, 'DOCQ_REQUEST_INVALID')
})

t.test('the route is in the OpenAPI document under the admin tag', async (t) => {
  const operation = (app.swagger() as { paths: Record<string, { get?: { tags?: string[], security?: unknown, responses: Record<string, unknown> } }> }).paths['/admin/api/overview']?.get
  t.same(operation?.tags, ['admin'])
  t.same(operation?.security, [{ adminSession: [] }], 'behind the admin session, not an API key')
  t.ok(operation?.responses['200'], 'the answer is documented')
})

t.test('a guard that does not mark the request shows nothing', async (t) => {
  const unguarded = await appWith(async () => {})
  const response = await unguarded.inject({ method: 'GET', url: '/admin/api/overview' })
  t.equal(response.statusCode, 500, 'no scope is assumed')
  t.notMatch(response.body, /"counts"/)
})
