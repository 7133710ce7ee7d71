import t from 'tap'
import { createServer } from 'node:net'
import { TestContext } from '../helpers/context.js'
import { binCommand, isOneLine } from '../helpers/bin-command.js'

t.test('a worker whose metrics port is taken stops at once with exit code 1, rather than run unwatched', async (t) => {
  const context = TestContext.create(t)
  // Migrates the database, so that the worker gets as far as its metrics listener.
  await context.stack()
  const squatter = createServer()
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { squatter.close() })
  const { port } = squatter.address() as { port: number }

  const outcome = await binCommand('worker.ts', [], {
    DATABASE_URL: context.config.DATABASE_URL,
    REDIS_URL: context.config.REDIS_URL,
    QUEUE_PREFIX: context.config.QUEUE_PREFIX,
    WORKER_METRICS_PORT: String(port)
  })
  t.equal(outcome.code, 1)
  isOneLine(t, outcome.stderr)
  t.match(outcome.stderr, /EADDRINUSE/)
})
