import t from 'tap'
import { wakeUpJobId } from '../../src/queue/wake-ups.js'
import { signedInAs } from '../helpers/admin-accounts.js'
import { csrfTokenOf } from '../helpers/admin-client.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { enqueueOne, readItem } from '../helpers/queue-fixtures.js'

// Wake-up drift repaired from the overview: "Re-dispatch now" sends a wake-up to each due item
// Redis holds none for, writes an audit entry, and is refused to viewers and to operators
// limited to some tenants (wake-ups are shared by all).
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)

/** A pending document whose wake-up Redis lost, due long enough for the reconciler's pass to look at it. */
async function orphan (): Promise<{ itemId: string }> {
  const document = await enqueueOne(stack)
  await stack.wakeUps.remove(wakeUpJobId(document.itemId, document.wakeups))
  await waitFor(async () => {
    const { rows } = await stack.pool.query<{ settled: boolean }>("select run_at < now() - interval '1.5 seconds' as settled from queue_items where id = $1", [document.itemId])
    return rows[0].settled ? true : undefined
  }, 'the orphan to have been due a while')
  return document
}

async function auditCount (): Promise<number> {
  const { rows } = await stack.pool.query<{ n: number }>("select count(*)::int as n from admin_audit where action = 'queue.redispatch'")
  return rows[0].n
}

t.test('the form re-sends the lost wake-up, says how many, and is audited', async (t) => {
  const item = await orphan()
  const operator = await signedInAs(app, stack.pool, 'drift-operator', 'operator')
  const overview = await operator.get('/admin')
  t.match(overview.body, /Re-dispatch now/, 'an operator over every tenant gets the button')
  const answer = await operator.request('POST', '/admin/redispatch', { _csrf: csrfTokenOf(overview.body) })
  t.equal(answer.statusCode, 303)
  t.match(answer.headers.location, /^\/admin\?done=redispatch&redispatched=[1-9]\d*$/)
  t.equal((await readItem(stack.pool, item.itemId)).wakeups, 1, 'the item was sent a new wake-up')
  t.ok(await stack.wakeUps.getJob(wakeUpJobId(item.itemId, 1)), 'and Redis holds it')
  t.match((await operator.get(answer.headers.location as string)).body, /Re-dispatched: [1-9]\d* due item\(s\) had no wake-up/)
  t.equal(await auditCount(), 1)
})

t.test('viewers and tenant-limited operators are refused; without the CSRF token too', async (t) => {
  await orphan()
  const before = await auditCount()
  const viewer = await signedInAs(app, stack.pool, 'drift-viewer', 'viewer')
  t.notMatch((await viewer.get('/admin')).body, /Re-dispatch now/, 'a viewer gets no button')
  t.equal((await viewer.json('POST', '/admin/api/redispatch', undefined, await viewer.csrfToken())).statusCode, 403)
  const limited = await signedInAs(app, stack.pool, 'drift-limited', 'operator', ['some-tenant'])
  const refused = await limited.json('POST', '/admin/api/redispatch', undefined, await limited.csrfToken())
  t.equal(refused.statusCode, 403)
  t.match(refused.json().message, /limited to some tenants/)
  const operator = await signedInAs(app, stack.pool, 'drift-operator-2', 'operator')
  t.equal((await operator.json('POST', '/admin/api/redispatch')).statusCode, 403, 'no CSRF token')
  t.equal(await auditCount(), before, 'nothing refused was audited')
  const done = await operator.json('POST', '/admin/api/redispatch', undefined, await operator.csrfToken())
  t.equal(done.statusCode, 200)
  t.ok(done.json().redispatched >= 1)
})
