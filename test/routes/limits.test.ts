import t from 'tap'
import { TestContext } from '../helpers/context.js'
import { UploadGate } from '../../src/routes/upload-gate.js'

const context = TestContext.create(t, { RATE_LIMIT_PER_MINUTE: '3' })
const runtime = await context.runtime()
const app = await context.app(runtime)

t.test('a tenant over its rate limit gets 429 with a code; other tenants are not affected', async (t) => {
  const busy = await runtime.apiKeys.create('busy')
  const calm = await runtime.apiKeys.create('calm')
  const statuses = []
  for (let i = 0; i < 4; i++) {
    statuses.push((await app.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${busy.key}` } })).statusCode)
  }
  t.same(statuses, [200, 200, 200, 429])
  const limited = await app.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${busy.key}` } })
  t.equal(limited.json().code, 'DOCQ_RATE_LIMITED')
  t.ok(Number(limited.headers['retry-after']) > 0, 'says when to retry')
  const other = await app.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${calm.key}` } })
  t.equal(other.statusCode, 200)
})

t.test('the upload gate refuses uploads past its byte budget and frees it afterwards', async (t) => {
  const gate = new UploadGate(100)
  let finishFirst: () => void = () => {}
  const first = gate.admit(60, async () => await new Promise<string>((resolve) => { finishFirst = () => resolve('first') }))
  t.equal(await gate.admit(40, async () => 'small'), 'small', 'what fits is admitted')
  await t.rejects(gate.admit(41, async () => 'second'), { code: 'DOCQ_UPLOADS_SATURATED', statusCode: 503 })
  finishFirst()
  t.equal(await first, 'first')
  t.equal(await gate.admit(100, async () => 'third'), 'third', 'the budget is free again')
  await t.rejects(gate.admit(100, async () => { throw new Error('boom') }), { message: 'boom' })
  t.equal(await gate.admit(100, async () => 'fourth'), 'fourth', 'a failed upload frees its share too')
  t.equal(await gate.admit(500, async () => 'huge'), 'huge', 'one upload larger than the budget still runs alone')
})
