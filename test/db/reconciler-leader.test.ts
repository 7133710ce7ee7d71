import t, { type Test } from 'tap'
import { releaseReconcilerLeadership, takeReconcilerLeadership } from '../../src/db/reconciler-leader.js'
import type { TestStack } from '../helpers/context.js'
import { TestContext } from '../helpers/context.js'

// Leadership is one row per database: each test has a database of its own, with nobody leading.
async function database (t: Test): Promise<TestStack['pool']> {
  return (await TestContext.create(t).stack()).pool
}

t.test('one worker leads at a time; a silent leader\'s lease runs out and another takes over', async (t) => {
  const pool = await database(t)
  t.equal(await takeReconcilerLeadership(pool, 'worker-a', 60_000), true, 'nobody leads: a takes it')
  t.equal(await takeReconcilerLeadership(pool, 'worker-b', 60_000), false, 'b waits while a\'s lease runs')
  t.equal(await takeReconcilerLeadership(pool, 'worker-a', 60_000), true, 'a extends its own lease')

  // a stops ticking (killed, or cut off from the network while Postgres still sees its session).
  await pool.query("update reconciler_leader set until = now() - interval '1 second'")
  t.equal(await takeReconcilerLeadership(pool, 'worker-b', 60_000), true, 'b takes the lapsed leadership')
  t.equal(await takeReconcilerLeadership(pool, 'worker-a', 60_000), false, 'a, back, no longer leads')
  const { rows } = await pool.query('select holder from reconciler_leader')
  t.same(rows, [{ holder: 'worker-b' }], 'one row, one leader')
})

t.test('a leader that stops cleanly hands over at once', async (t) => {
  const pool = await database(t)
  t.equal(await takeReconcilerLeadership(pool, 'worker-b', 60_000), true, 'b leads')
  await releaseReconcilerLeadership(pool, 'worker-a')
  t.equal(await takeReconcilerLeadership(pool, 'worker-c', 60_000), false, 'releasing what one does not hold changes nothing')
  await releaseReconcilerLeadership(pool, 'worker-b')
  t.equal(await takeReconcilerLeadership(pool, 'worker-c', 60_000), true)
})
