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

t.test('the upload gate refuses past its maximum and frees its slot afterwards', async (t) => {
  const gate = new UploadGate(1)
  let finishFirst: () => void = () => {}
  const first = gate.admit(async () => await new Promise<string>((resolve) => { finishFirst = () => resolve('first') }))
  await t.rejects(gate.admit(async () => 'second'), { code: 'DOCQ_UPLOADS_SATURATED', statusCode: 503 })
  finishFirst()
  t.equal(await first, 'first')
  t.equal(await gate.admit(async () => 'third'), 'third', 'the slot is free again')
  await t.rejects(gate.admit(async () => { throw new Error('boom') }), { message: 'boom' })
  t.equal(await gate.admit(async () => 'fourth'), 'fourth', 'a failed upload frees its slot too')
})
