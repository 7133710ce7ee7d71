import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import t from 'tap'
import { pino } from 'pino'
import { buildApiApp } from '../../src/api-process.js'
import { TestContext } from '../helpers/context.js'

const MAX_FAILURES = 5
const context = TestContext.create(t, {
  AUTH_FAILURES_PER_ADDRESS: String(MAX_FAILURES),
  AUTH_FAILURE_WINDOW_MS: '60000',
  API_KEY_CACHE_MS: '60000',
  RATE_LIMIT_PER_MINUTE: '0'
})
const stack = await context.stack()
const app = await context.app(stack)

// Every query checks a client out of the pool: counting checkouts counts queries.
let queries = 0
stack.pool.on('acquire', () => { queries++ })

/** A well-formed key that no one issued. */
function fakeKey (id = randomBytes(8).toString('hex')): string {
  return `dq_${id}_${randomBytes(32).toString('base64url')}`
}

async function list (key: string, remoteAddress: string): Promise<{ statusCode: number, code?: string, retryAfter?: string }> {
  const response = await app.inject({ method: 'GET', url: '/documents', remoteAddress, headers: { authorization: `Bearer ${key}` } })
  return { statusCode: response.statusCode, code: response.json().code, retryAfter: response.headers['retry-after'] as string | undefined }
}

t.test('an unknown key costs one query; the same key again, or another secret on a known id, costs none', async (t) => {
  const address = '10.0.1.1'
  const fake = fakeKey()
  const before = queries
  t.match(await list(fake, address), { statusCode: 401, code: 'DOCQ_AUTH_INVALID' })
  t.equal(queries - before, 1, 'the first lookup asks Postgres')
  t.match(await list(fake, address), { statusCode: 401, code: 'DOCQ_AUTH_INVALID' })
  t.equal(queries - before, 1, 'the cached miss does not')

  const real = await stack.apiKeys.create('acme')
  t.equal((await list(real.key, address)).statusCode, 200)
  const afterValid = queries
  const forged = fakeKey(real.id)
  t.match(await list(forged, address), { statusCode: 401, code: 'DOCQ_AUTH_INVALID' })
  t.equal(queries - afterValid, 0, 'a wrong secret on a cached id is refused without a query')
  t.equal((await list(real.key, address)).statusCode, 200, 'the real key still works')
})

t.test('a key revoked through the service stops working at once in this process', async (t) => {
  const key = await stack.apiKeys.create('leaving')
  t.equal((await list(key.key, '10.0.2.1')).statusCode, 200)
  t.equal(await stack.apiKeys.revoke(key.id), true)
  t.match(await list(key.key, '10.0.2.1'), { statusCode: 401, code: 'DOCQ_AUTH_INVALID' })
  const { rows } = await stack.pool.query('select revoked_at is not null as revoked from api_keys where id = $1', [key.id])
  t.same(rows, [{ revoked: true }])
})

t.test('an address past the failure limit gets 429 with Retry-After, at no query; other addresses and cached keys are unaffected', async (t) => {
  const address = '10.0.3.1'
  const real = await stack.apiKeys.create('neighbour')
  t.equal((await list(real.key, address)).statusCode, 200)
  for (let i = 0; i < MAX_FAILURES; i++) t.match(await list(fakeKey(), address), { statusCode: 401, code: 'DOCQ_AUTH_INVALID' })

  const before = queries
  for (let i = 0; i < 3; i++) {
    const refused = await list(fakeKey(), address)
    t.match(refused, { statusCode: 429, code: 'DOCQ_REQUEST_RATE_LIMITED' })
    t.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= 60, `Retry-After ${refused.retryAfter} is within the window`)
  }
  t.equal(queries - before, 0, 'refused attempts cost no query')
  t.equal((await list(real.key, address)).statusCode, 200, 'a key already known to be valid still works from that address')
  t.match(await list(fakeKey(), '10.0.3.2'), { statusCode: 401 }, 'another address is not throttled')

  const counter = `${context.config.QUEUE_PREFIX}:auth-failures:${address}`
  t.equal(await stack.redis.get(counter), String(MAX_FAILURES), 'the count lives in Redis')
  const ttl = await stack.redis.pttl(counter)
  t.ok(ttl > 0 && ttl <= 60_000, 'and expires with its window')
})

t.test('failures are counted across API processes sharing Redis', async (t) => {
  const address = '10.0.4.1'
  const second = await context.app(await context.stack())
  for (let i = 0; i < 3; i++) t.equal((await list(fakeKey(), address)).statusCode, 401)
  for (let i = 0; i < 2; i++) {
    const response = await second.inject({ method: 'GET', url: '/documents', remoteAddress: address, headers: { authorization: `Bearer ${fakeKey()}` } })
    t.equal(response.statusCode, 401)
  }
  const refused = await second.inject({ method: 'GET', url: '/documents', remoteAddress: address, headers: { authorization: `Bearer ${fakeKey()}` } })
  t.equal(refused.statusCode, 429)
  t.equal(refused.json().code, 'DOCQ_REQUEST_RATE_LIMITED')
  t.match(await list(fakeKey(), address), { statusCode: 429 }, 'the first process refuses it too')
})

t.test('a flood of bad keys is logged once, not once per request', async (t) => {
  const lines: Array<{ level: number, msg: string, req?: { url: string } }> = []
  const logger = pino({ level: 'info' }, new Writable({
    write (chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()))
      done()
    }
  }))
  const logged = await buildApiApp({ ...stack, logger })
  t.teardown(async () => { await logged.close() })
  const address = '10.0.5.1'
  for (let i = 0; i < 3 * MAX_FAILURES; i++) {
    const response = await logged.inject({ method: 'GET', url: '/documents', remoteAddress: address, headers: { authorization: `Bearer ${fakeKey()}` } })
    t.ok([401, 429].includes(response.statusCode))
  }
  t.same(lines.map((line) => line.msg), ['too many failed authentications from one address; refusing it for a while'])
  t.equal(lines[0].level, 40, 'at warn')

  lines.length = 0
  t.equal((await logged.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  t.same(lines.map((line) => [line.msg, line.req?.url]), [['request completed', '/healthz']], 'a normal request is one line')
})

t.test('with Redis unreachable, failed authentications are still refused with 401 and nothing breaks', async (t) => {
  const offline = await context.app(await context.stack({ REDIS_URL: 'redis://127.0.0.1:1' }))
  const address = '10.0.6.1'
  for (let i = 0; i < MAX_FAILURES + 2; i++) {
    const response = await offline.inject({ method: 'GET', url: '/documents', remoteAddress: address, headers: { authorization: `Bearer ${fakeKey()}` } })
    t.equal(response.statusCode, 401)
    t.equal(response.json().code, 'DOCQ_AUTH_INVALID')
  }
})
