import Fastify from 'fastify'
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { httpServerOptions, trustProxyOption } from '../../src/routes/http-server-options.js'
import { TestContext } from '../helpers/context.js'
import { UploadGate } from '../../src/routes/upload-gate.js'

const context = TestContext.create(t, { RATE_LIMIT_PER_MINUTE: '3' })
const stack = await context.stack()
const app = await context.app(stack)

t.test('a tenant over its rate limit gets 429 with a code; other tenants are not affected', async (t) => {
  const busy = await stack.apiKeys.create('busy')
  const calm = await stack.apiKeys.create('calm')
  const statuses = []
  for (let i = 0; i < 4; i++) {
    statuses.push((await app.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${busy.key}` } })).statusCode)
  }
  t.same(statuses, [200, 200, 200, 429])
  const limited = await app.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${busy.key}` } })
  t.equal(limited.json().code, 'DOCQ_REQUEST_RATE_LIMITED')
  t.ok(Number(limited.headers['retry-after']) > 0, 'says when to retry')
  const other = await app.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${calm.key}` } })
  t.equal(other.statusCode, 200)
})

t.test('the upload gate refuses uploads past its byte budget and frees it afterwards', async (t) => {
  const gate = new UploadGate(100)
  let finishFirst: () => void = () => {}
  const first = gate.admit('a', 60, async () => await new Promise<string>((resolve) => { finishFirst = () => resolve('first') }))
  t.equal(await gate.admit('a', 40, async () => 'small'), 'small', 'what fits is admitted')
  await t.rejects(gate.admit('a', 41, async () => 'second'), { code: 'DOCQ_UPLOAD_SATURATED', statusCode: 503, retryAfterSeconds: 1 })
  finishFirst()
  t.equal(await first, 'first')
  t.equal(await gate.admit('a', 100, async () => 'third'), 'third', 'the budget is free again')
  await t.rejects(gate.admit('a', 100, async () => { throw new Error('boom') }), { message: 'boom' })
  t.equal(await gate.admit('a', 100, async () => 'fourth'), 'fourth', 'a failed upload frees its share too')
  t.equal(await gate.admit('a', 500, async () => 'huge'), 'huge', 'one upload larger than the budget still runs alone')
})

t.test('one tenant holds at most its share of the upload budget; the rest stays open to others', async (t) => {
  const gate = new UploadGate(100, 0.4)
  t.equal(gate.tenantBudgetBytes, 40)
  const held: Array<() => void> = []
  const hold = (tenant: string, bytes: number): Promise<string> => gate.admit(tenant, bytes, async () => await new Promise<string>((resolve) => { held.push(() => resolve(tenant)) }))
  const greedy = [hold('greedy', 20), hold('greedy', 20)]
  await t.rejects(gate.admit('greedy', 1, async () => 'more'), { code: 'DOCQ_UPLOAD_SATURATED', statusCode: 503 }, 'past its share, the tenant is refused')
  t.equal(await gate.admit('other', 40, async () => 'other'), 'other', 'another tenant still gets its share')
  const others = [hold('second', 40)]
  await t.rejects(gate.admit('fourth', 30, async () => 'fourth'), { code: 'DOCQ_UPLOAD_SATURATED' }, 'the global budget still holds')
  t.equal(await gate.admit('fourth', 20, async () => 'fourth'), 'fourth')
  for (const release of held) release()
  t.same(await Promise.all([...greedy, ...others]), ['greedy', 'greedy', 'second'])
  t.equal(await gate.admit('greedy', 40, async () => 'again'), 'again', 'the share is free again once its uploads end')
  t.equal(await gate.admit('solo', 90, async () => 'solo'), 'solo', 'one upload larger than the share still runs alone')
})

t.test('the defaults turn every protection on, and the HTTP server takes their timeouts', async (t) => {
  const config = loadConfig({})
  t.ok(config.RATE_LIMIT_PER_MINUTE > 0, 'a per-tenant rate limit')
  t.ok(config.AUTH_FAILURES_PER_ADDRESS > 0, 'a failed-authentication throttle')
  t.ok(config.UPLOAD_MIN_BYTES_PER_SECOND > 0, 'a minimum upload rate')
  t.ok(config.UPLOAD_TENANT_BUDGET_SHARE < 1, 'a per-tenant share of the upload budget')
  t.equal(trustProxyOption(config.TRUST_PROXY), false, 'no forwarded header is believed unless configured')
  const server = Fastify(httpServerOptions({
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS
  }))
  t.teardown(async () => { await server.close() })
  t.equal(server.server.headersTimeout, config.HTTP_HEADERS_TIMEOUT_MS)
  t.equal(server.server.requestTimeout, config.HTTP_REQUEST_TIMEOUT_MS)
  t.equal(server.server.keepAliveTimeout, config.HTTP_KEEP_ALIVE_TIMEOUT_MS)
  t.ok(config.HTTP_REQUEST_TIMEOUT_MS > 0, 'a request cannot last forever')
})

t.test('TRUST_PROXY takes true or a list of proxies, never a hop count', async (t) => {
  t.equal(trustProxyOption(''), false)
  t.equal(trustProxyOption('false'), false)
  t.equal(trustProxyOption('true'), true)
  t.same(trustProxyOption('10.0.0.1, 10.1.0.0/16,loopback'), ['10.0.0.1', '10.1.0.0/16', 'loopback'])
  t.same(trustProxyOption('2'), ['2'], 'a number is taken as an address, which matches nothing, rather than trusting any client that claims two hops')
})
