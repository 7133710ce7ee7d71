import t from 'tap'
import { isolatedService } from '../helpers/context.js'
import { upload } from '../helpers/http.js'
import { traceparentOf } from '../../src/tracing/trace-context.js'
import { runQueueItem } from '../../src/worker/run-queue-item.js'

// Tracing is off unless configured (test/config.test.ts): then the OpenTelemetry API alone runs,
// and nothing of a trace reaches Postgres, even for a request that brings a traceparent.
t.test('without tracing, an upload and a reprocess store no trace context with their items', async (t) => {
  const { stack, app, key } = await isolatedService(t, 'untraced')
  t.equal(traceparentOf(), null, 'no SDK: the API produces no trace context')
  const uploaded = await upload(app, key, 'untraced text', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } })
  t.equal(uploaded.statusCode, 202, uploaded.body)
  const { id } = uploaded.json<{ id: string }>()
  const [item] = (await stack.pool.query<{ id: string }>('select id from queue_items where document_id = $1', [id])).rows
  t.equal(await runQueueItem(stack.runner, item), 'completed')
  const reprocessed = await app.inject({ method: 'POST', url: `/documents/${id}/reprocess`, headers: { authorization: `Bearer ${key}` } })
  t.equal(reprocessed.statusCode, 202, reprocessed.body)
  const { rows } = await stack.pool.query<{ operation: string, traceparent: string | null }>('select operation, traceparent from queue_items where document_id = $1 order by created_at', [id])
  t.same(rows, [{ operation: 'process', traceparent: null }, { operation: 'reprocess', traceparent: null }])
})
