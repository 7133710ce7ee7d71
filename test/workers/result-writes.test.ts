import { Document, Packer, Paragraph } from 'docx'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import t from 'tap'
import type { TestStack } from '../helpers/context.js'
import { runQueueItem } from '../../src/worker/run-queue-item.js'
import { isolatedService, TestContext, waitFor } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

const body = (topic: string): string => `This report about ${topic} has enough words to be indexed and searched like any other document.`

interface Finished {
  status: string
  attempts: number
  version: number
  errorKind: string | null
  errorCode: string | null
  lastError: string | null
  metadata: Record<string, unknown>
  history: Array<{ attempt: number, outcome: string | null, error: string | null }>
}

/** The document over HTTP once it is completed or failed. */
async function finished (api: FastifyInstance, id: string, apiKey: string): Promise<Finished> {
  return await waitFor(async () => {
    const response = await api.inject({ method: 'GET', url: `/documents/${id}`, headers: { authorization: `Bearer ${apiKey}` } })
    const document = response.json()
    return document.status === 'completed' || document.status === 'failed' ? document : undefined
  }, `document ${id} to finish`, 60_000)
}

async function chunkCount (rt: TestStack, id: string): Promise<number> {
  const { rows } = await rt.pool.query('select count(*)::int as n from document_chunks where document_id = $1', [id])
  return rows[0].n
}

/** A real DOCX whose core properties are written by hand, so that the title can hold any XML. */
async function docxWithCoreTitle (titleXml: string, text: string): Promise<Buffer> {
  const core = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ' +
    'xmlns:dc="http://purl.org/dc/elements/1.1/">' +
    `<dc:title>${titleXml}</dc:title><dc:creator>Ada</dc:creator></cp:coreProperties>`
  const document = new Document({ sections: [{ children: [new Paragraph(text)] }] })
  return await Packer.toBuffer(document, false, [{ path: 'docProps/core.xml', data: core }])
}

t.test('a connection lost while writing the result leaves the item to its lease, and the attempt after the repair pass completes', async (t) => {
  // No worker runs on this service: this test alone runs the item.
  const { stack, app, key } = await isolatedService(t, 'result-writes')
  const doc = (await upload(app, key, body('lighthouses'), { filename: 'lighthouse.txt' })).json()
  const { rows: [{ itemId }] } = await stack.pool.query('select current_item_id as "itemId" from documents where id = $1', [doc.id])
  // The session writing the passages is cut off by Postgres itself, as a restart would do.
  await stack.pool.query(`
    create function cut_connection() returns trigger language plpgsql as $$
    begin perform pg_terminate_backend(pg_backend_pid()); return new; end $$`)
  await stack.pool.query('create trigger cut_connection before insert on document_chunks for each row execute function cut_connection()')

  await t.rejects(runQueueItem(stack.runner, { id: itemId }), 'the connection error escapes the runner')
  const { rows: [held] } = await stack.pool.query(`
    select q.status, q.attempts, q.locked_by as "lockedBy", q.locked_until > now() as leased, q.error_code as "errorCode", d.version
      from queue_items q join documents d on d.id = q.document_id where q.id = $1`, [itemId])
  t.same(held, { status: 'in_progress', attempts: 1, lockedBy: stack.queue.workerId, leased: true, errorCode: null, version: 0 },
    'nothing recorded: the item keeps its lease')
  t.equal(await chunkCount(stack, doc.id), 0)

  await stack.pool.query('drop function cut_connection() cascade')
  await stack.pool.query("update queue_items set locked_until = now() - interval '1 second' where id = $1", [itemId])
  t.match(await stack.queue.repair(10), { takenOver: 1 }, 'the repair pass takes the item back once the lease expired')
  t.equal(await runQueueItem(stack.runner, { id: itemId }), 'completed', 'the next attempt completes')
  const done = await finished(app, doc.id, key)
  t.match(done, { status: 'completed', attempts: 2, version: 1, errorCode: null })
  t.same(done.history.map((h) => [h.attempt, h.outcome]), [[1, 'crashed'], [2, 'completed']])
  t.equal(await chunkCount(stack, doc.id), 1)
})

t.test('a failure message with a NUL or a lone surrogate is recorded cleaned, not refused', async (t) => {
  const { stack, app, key } = await isolatedService(t, 'result-writes')
  const doc = (await upload(app, key, body('failures'), { filename: 'failure.txt' })).json()
  const { rows: [{ itemId }] } = await stack.pool.query('select current_item_id as "itemId" from documents where id = $1', [doc.id])
  const claimed = await stack.queue.markInProgress({ id: itemId })
  t.ok(claimed, 'claimed: no worker runs on this service')
  const outcome = await stack.queue.markFailed(claimed!, { message: 'broken at byte \u0000 near \uD800', permanent: true, code: 'corrupt' })
  t.equal(outcome, 'failed')
  const done = await finished(app, doc.id, key)
  t.match(done, { status: 'failed', attempts: 1, errorKind: 'permanent', errorCode: 'corrupt', lastError: 'broken at byte  near \uFFFD' })
  t.same(done.history.map((h) => [h.attempt, h.outcome, h.error]), [[1, 'failed', 'broken at byte  near \uFFFD']])
})

t.test('a NUL in Markdown front matter is removed and the document completes on its first attempt', async (t) => {
  const { context, stack, app, key } = await isolatedService(t, 'result-writes')
  context.worker(stack)
  const markdown = '---\ntitle: Quarterly\u0000 numbers\nsummary: "first\u0000second"\n---\n# Heading\n\n' + body('quarterly numbers')
  const doc = (await upload(app, key, markdown, { filename: 'quarterly.md', contentType: 'text/markdown' })).json()
  const done = await finished(app, doc.id, key)
  t.match(done, { status: 'completed', attempts: 1, version: 1, errorCode: null, metadata: { title: 'Quarterly numbers' } })
  t.same(done.metadata.frontMatter, { title: 'Quarterly numbers', summary: 'firstsecond' })
  t.same(done.history.map((h) => [h.attempt, h.outcome]), [[1, 'completed']])
  t.equal(await chunkCount(stack, doc.id), 1)
})

t.test('a DOCX title with a lone surrogate (&#xD800;) is stored with U+FFFD and the document completes on its first attempt', async (t) => {
  const { context, stack, app, key, auth } = await isolatedService(t, 'result-writes')
  context.worker(stack)
  const bytes = await docxWithCoreTitle('Annual &#xD800; review', body('annual reviews'))
  const doc = (await upload(app, key, bytes, { filename: 'annual.docx', contentType: 'application/octet-stream' })).json()
  const done = await finished(app, doc.id, key)
  t.match(done, { status: 'completed', attempts: 1, version: 1, errorCode: null, metadata: { title: 'Annual \uFFFD review', author: 'Ada' } })
  t.same(done.history.map((h) => [h.attempt, h.outcome]), [[1, 'completed']])

  const search = await app.inject({ method: 'GET', url: '/search?q=annual', headers: auth })
  t.equal(search.statusCode, 200)
  t.match(search.json(), { total: 1, results: [{ documentId: doc.id, title: 'Annual \uFFFD review' }] })
})

t.test('a result Postgres refuses (text a LATIN1 database cannot hold) fails for good on attempt 1, not crashed', async (t) => {
  // A legacy deployment whose database is LATIN1-encoded: Cyrillic text is a data error there.
  const latin = TestContext.create(t)
  const url = new URL(latin.config.DATABASE_URL)
  const database = url.pathname.slice(1)
  url.pathname = '/postgres'
  const admin = new pg.Client({ connectionString: url.toString() })
  await admin.connect()
  await admin.query(`create database ${pg.escapeIdentifier(database)} encoding 'LATIN1' lc_collate 'C' lc_ctype 'C' template template0`)
  await admin.end()
  const latinStack = await latin.stack()
  const latinKey = (await latinStack.apiKeys.create('latin')).key
  const latinApp = await latin.app(latinStack)
  latin.worker(latinStack)

  const russian = (await upload(latinApp, latinKey, 'Привет, мир. Этот документ написан по-русски и содержит достаточно слов.', { filename: 'russian.txt' })).json()
  const failed = await finished(latinApp, russian.id, latinKey)
  t.match(failed, {
    status: 'failed',
    attempts: 1,
    version: 0,
    errorKind: 'permanent',
    errorCode: 'invalid_result',
    lastError: /^the database refused the extracted result \(22P05\): .*LATIN1/
  })
  t.same(failed.history.map((h) => [h.attempt, h.outcome]), [[1, 'failed']])
  t.equal(await chunkCount(latinStack, russian.id), 0, 'nothing of the refused result was written')
  const text = await latinApp.inject({ method: 'GET', url: `/documents/${russian.id}/text`, headers: { authorization: `Bearer ${latinKey}` } })
  t.equal(text.statusCode, 409)
  t.equal(text.json().code, 'DOCQ_DOCUMENT_NOT_READY')

  const english = (await upload(latinApp, latinKey, body('plain English'), { filename: 'english.txt' })).json()
  t.match(await finished(latinApp, english.id, latinKey), { status: 'completed', attempts: 1, version: 1 }, 'the next document is stored as usual')
})
