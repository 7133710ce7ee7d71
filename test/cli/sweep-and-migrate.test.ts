import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t from 'tap'
import { TestContext } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

const run = promisify(execFile)
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const { key } = await stack.apiKeys.create('cli')
const env = { ...process.env, DATABASE_URL: context.config.DATABASE_URL, REDIS_URL: context.config.REDIS_URL, QUEUE_PREFIX: context.config.QUEUE_PREFIX, LOG_LEVEL: 'silent' }

t.test('npm run migrate reports an up-to-date database', async (t) => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/bin/migrate.ts'], { env })
  t.equal(stdout.trim(), 'database is up to date')
})

t.test('npm run sweep processes orphaned items in its own process and prints the counts', async (t) => {
  const ids = []
  for (let i = 0; i < 3; i++) ids.push((await upload(app, key, `orphaned document ${i}`)).json().id)
  await stack.wakeUps.obliterate({ force: true })
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/bin/sweep.ts', '--limit', '10'], { env })
  t.same(JSON.parse(stdout), { processed: 3, completed: 3, failed: 0, retrying: 0, crashed: 0, takenOver: 0, due: 3, waitingOnWakeups: 0, heldByLiveWorkers: 0 })
  const { rows } = await stack.pool.query("select count(*)::int as n from documents where id = any($1::uuid[]) and status = 'completed'", [ids])
  t.equal(rows[0].n, 3)
})

t.test('npm run sweep refuses a bad limit', async (t) => {
  await t.rejects(run(process.execPath, ['--import', 'tsx', 'src/bin/sweep.ts', '--limit', 'lots'], { env }), { code: 2 })
})
