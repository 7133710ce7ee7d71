import { Writable } from 'node:stream'
import t from 'tap'
import { pino } from 'pino'
import { createPool, ensureDatabase } from '../../src/db/pool.js'
import { TestContext, waitFor } from '../helpers/context.js'

const context = TestContext.create(t)
await ensureDatabase(context.config.DATABASE_URL)
const warnings: Array<{ level: number, msg: string, err: string }> = []
const logger = pino({ level: 'warn' }, new Writable({
  write (chunk, _encoding, done) {
    warnings.push(JSON.parse(String(chunk)))
    done()
  }
}))
const pool = createPool(context.config.DATABASE_URL, { max: 2, logger })
const admin = createPool(context.config.DATABASE_URL, { max: 1 })
context.onCleanup(async () => { await pool.end() })
context.onCleanup(async () => { await admin.end() })

/** Ends a session from the server's side, as a Postgres restart or an administrator does. */
async function terminate (pid: number): Promise<void> {
  await admin.query('select pg_terminate_backend($1)', [pid])
}

async function backendPid (client: { query: typeof pool.query }): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid')
  return rows[0].pid
}

const lost = { level: 40, msg: 'database connection lost', err: 'terminating connection due to administrator command' }

t.test('an idle connection that Postgres ends is logged once, and the pool goes on without it', async (t) => {
  warnings.length = 0
  const client = await pool.connect()
  const pid = await backendPid(client)
  client.release()
  await terminate(pid)
  await waitFor(async () => warnings.length > 0 ? true : undefined, 'the warning')
  t.not(await backendPid(pool), pid, 'a new connection answers')
  t.match(warnings, [lost], 'one warning, with the error\'s message')
  t.equal(warnings.length, 1, 'logged once, though the client and the pool both heard of it')
})

t.test('a checked-out connection that Postgres ends is logged, each error once, and its holder finds out on its next query', async (t) => {
  warnings.length = 0
  const client = await pool.connect()
  const pid = await backendPid(client)
  await terminate(pid)
  await waitFor(async () => warnings.length > 0 ? true : undefined, 'the warning')
  await t.rejects(client.query('select 1'), 'the dead connection refuses queries')
  client.release(true)
  t.not(await backendPid(pool), pid, 'a new connection answers')
  t.match(warnings[0], lost, 'a warning with the error\'s message')
  // The client also reports the socket closing after the server's error: a second error.
  const messages = warnings.map((warning) => warning.err)
  t.equal(new Set(messages).size, messages.length, `each error logged once: ${messages.join('; ')}`)
})
