import t, { type Test } from 'tap'
import { isolatedService, waitFor, type TestService } from '../helpers/context.js'
import { readCorpusFile } from '../helpers/corpus.js'
import { upload } from '../helpers/http.js'

// A worker runs on this file's service all along. Tests that hold a document before a worker
// takes it, or between two results, start and stop workers on a service of their own.
const shared = await isolatedService(t, 'results')
const { stack, app, key, auth } = shared
shared.context.worker(stack)

/** Enough of a service to read its documents. */
type Reader = Pick<TestService, 'app' | 'auth'>

async function completed ({ app, auth }: Reader, id: string): Promise<Record<string, unknown>> {
  return await waitFor(async () => {
    const response = await app.inject({ method: 'GET', url: `/documents/${id}`, headers: auth })
    const body = response.json()
    return body.status === 'completed' || body.status === 'failed' ? body : undefined
  }, `document ${id} to finish`)
}

const paragraph = (n: number): string => `Paragraph ${n} explains how durable queues keep documents safe. ` +
  'Every upload is stored in Postgres before a worker is woken up through Redis. '.repeat(6)
const longText = Array.from({ length: 12 }, (_, i) => paragraph(i)).join('\n\n')

t.test('text and chunks answer 409 until the document is completed', async (t) => {
  const own = await isolatedService(t, 'results')
  const { stack, app, key, auth } = own
  const doc = (await upload(app, key, longText, { filename: 'long.txt' })).json()
  for (const path of ['text', 'chunks']) {
    const early = await app.inject({ method: 'GET', url: `/documents/${doc.id}/${path}`, headers: auth })
    t.equal(early.statusCode, 409, path)
    t.equal(early.json().code, 'DOCQ_DOCUMENT_NOT_READY', path)
  }
  own.context.worker(stack)
  t.equal((await completed(own, doc.id)).status, 'completed')

  const text = await app.inject({ method: 'GET', url: `/documents/${doc.id}/text`, headers: auth })
  t.equal(text.statusCode, 200)
  t.equal(text.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(text.body.replace(/\s+/g, ' '), longText.replace(/\s+/g, ' ').trim())

  const firstPage = (await app.inject({ method: 'GET', url: `/documents/${doc.id}/chunks?limit=2`, headers: auth })).json()
  t.equal(firstPage.items.length, 2)
  t.same(firstPage.items.map((c: { ordinal: number }) => c.ordinal), [0, 1])
  t.equal(firstPage.items[0].page, null, 'no pages in plain text')
  for (const chunk of firstPage.items) t.ok(chunk.text.length <= 1600, `chunk ${chunk.ordinal} is a passage (${chunk.text.length} chars)`)
  const all = (await app.inject({ method: 'GET', url: `/documents/${doc.id}/chunks?limit=500`, headers: auth })).json()
  t.ok(all.items.length > 2, `the text is split into ${all.items.length} passages`)
  t.equal(all.nextAfter, null)
  const rest = (await app.inject({ method: 'GET', url: `/documents/${doc.id}/chunks?limit=500&after=${firstPage.nextAfter}`, headers: auth })).json()
  t.same([...firstPage.items, ...rest.items], all.items, 'pages join up')
})

t.test('a PDF keeps page numbers on its passages and metadata on the document', async (t) => {
  const doc = (await upload(app, key, readCorpusFile('pdfjs_tracemonkey.pdf'), { filename: 'tracemonkey.pdf', contentType: 'application/pdf' })).json()
  const done = await completed(shared, doc.id)
  t.match(done, { status: 'completed', mediaType: 'application/pdf', metadata: { pages: 14, language: 'eng', needsOcr: false } })
  const chunks = (await app.inject({ method: 'GET', url: `/documents/${doc.id}/chunks?limit=500`, headers: auth })).json()
  const pages = new Set(chunks.items.map((c: { page: number }) => c.page))
  t.equal(pages.size, 14, 'passages on all 14 pages')
  t.ok(chunks.items.every((c: { page: number }) => c.page >= 1 && c.page <= 14))
})

t.test('content returns the original bytes as a safe download', async (t) => {
  const bytes = readCorpusFile('tika_testTXT_win-1252.txt')
  const doc = (await upload(app, key, bytes, { filename: 'résumé final.txt', contentType: 'application/octet-stream' })).json()
  const response = await app.inject({ method: 'GET', url: `/documents/${doc.id}/content`, headers: auth })
  t.equal(response.statusCode, 200)
  t.same(response.rawPayload, bytes)
  t.match(response.headers['content-type'], /^text\/plain/)
  t.equal(response.headers['content-disposition'], 'attachment; filename="r_sum_ final.txt"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9%20final.txt')
  t.equal(response.headers['x-content-type-options'], 'nosniff')

  const html = (await upload(app, key, '<!doctype html><html><body><script>alert(1)</script>hi</body></html>', { filename: 'page.html', contentType: 'text/html' })).json()
  const served = await app.inject({ method: 'GET', url: `/documents/${html.id}/content`, headers: auth })
  t.equal(served.headers['content-type'], 'application/octet-stream', 'HTML is never served as a page from our origin')
  t.match(served.headers['content-security-policy'], /sandbox/)
})

t.test('reprocess replaces text and passages in one step and bumps the version', async (t) => {
  const doc = (await upload(app, key, longText, { filename: 'again.txt' })).json()
  await completed(shared, doc.id)
  const before = await stack.pool.query('select count(*)::int as n from document_chunks where document_id = $1', [doc.id])
  const again = await app.inject({ method: 'POST', url: `/documents/${doc.id}/reprocess`, headers: auth })
  t.equal(again.statusCode, 202)
  const done = await completed(shared, doc.id)
  t.equal(done.version, 2)
  const after = await stack.pool.query('select count(*)::int as n, count(distinct ordinal)::int as distinct from document_chunks where document_id = $1', [doc.id])
  t.same(after.rows[0], { n: before.rows[0].n, distinct: before.rows[0].n }, 'the same passages once, not twice')
})

t.test('results routes answer 404 for another tenant and unknown ids', async (t) => {
  const doc = (await upload(app, key, 'private words')).json()
  await completed(shared, doc.id)
  const other = await stack.apiKeys.create('someone-else')
  for (const path of ['text', 'chunks', 'content']) {
    const response = await app.inject({ method: 'GET', url: `/documents/${doc.id}/${path}`, headers: { authorization: `Bearer ${other.key}` } })
    t.equal(response.statusCode, 404, path)
    t.equal(response.json().code, 'DOCQ_DOCUMENT_NOT_FOUND', path)
  }
})

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')

interface Served {
  version: string | undefined
  text: string
  chunks: string[]
}

/** What a reader gets for a document right now: text and passages with their version headers. */
async function served (t: Test, { app, auth }: Reader, id: string): Promise<Served> {
  const text = await app.inject({ method: 'GET', url: `/documents/${id}/text`, headers: auth })
  const chunks = await app.inject({ method: 'GET', url: `/documents/${id}/chunks?limit=500`, headers: auth })
  t.equal(text.statusCode, 200, 'text is served')
  t.equal(chunks.statusCode, 200, 'passages are served')
  t.equal(chunks.headers['x-document-version'], text.headers['x-document-version'], 'text and passages name the same version')
  return {
    version: text.headers['x-document-version'] as string | undefined,
    text: text.body,
    chunks: chunks.json().items.map((c: { text: string }) => c.text)
  }
}

/** Ids of the documents a search for `word` finds. */
async function found (t: Test, { app, auth }: Reader, word: string): Promise<string[]> {
  const response = await app.inject({ method: 'GET', url: `/search?q=${word}`, headers: auth })
  t.equal(response.statusCode, 200, `search ${word}`)
  return response.json().results.map((r: { documentId: string }) => r.documentId)
}

t.test('during and after a reprocess, readers keep the last good result and its version until the new one replaces it', async (t) => {
  const first = 'Lighthouse keepers log the weather every night and trim the lamp before dawn.'
  const second = 'Orchard growers prune the trees in winter and pick the apples in autumn.'
  const own = await isolatedService(t, 'results')
  const { context, stack, app, key, auth } = own
  const worker = context.worker(stack)
  const doc = (await upload(app, key, first, { filename: 'log.txt' })).json()
  t.match(await completed(own, doc.id), { status: 'completed', version: 1 })

  await worker.close(5_000)
  // Reprocessing the same bytes would give the same result; new bytes tell the results apart.
  await stack.pool.query('update document_blobs set bytes = $2 where document_id = $1', [doc.id, Buffer.from(second)])
  const again = await app.inject({ method: 'POST', url: `/documents/${doc.id}/reprocess`, headers: auth })
  t.equal(again.statusCode, 202)
  t.match(again.json(), { status: 'pending', operation: 'reprocess', version: 1 })

  const pending = await served(t, own, doc.id)
  t.equal(pending.version, '1')
  t.equal(pending.text, first, 'pending: the old text')
  t.same(pending.chunks, [first], 'pending: the old passages')
  t.same(await found(t, own, 'lighthouse'), [doc.id], 'pending: still found by its old words')
  t.same(await found(t, own, 'orchard'), [])

  const { rows: [{ itemId }] } = await stack.pool.query('select current_item_id as "itemId" from documents where id = $1', [doc.id])
  const claimed = await stack.queue.markInProgress({ id: itemId })
  t.ok(claimed, 'the reprocess is in progress')
  const inProgress = await served(t, own, doc.id)
  t.same([inProgress.version, inProgress.text, inProgress.chunks], ['1', first, [first]], 'in progress: the old result')
  t.same(await found(t, own, 'lighthouse'), [doc.id])
  t.ok(await stack.queue.release(claimed!), 'given back for a worker to take')

  context.worker(stack)
  t.match(await completed(own, doc.id), { status: 'completed', version: 2 })
  const replaced = await served(t, own, doc.id)
  t.same([replaced.version, replaced.text, replaced.chunks], ['2', second, [second]], 'completed: the new result')
  t.same(await found(t, own, 'orchard'), [doc.id])
  t.same(await found(t, own, 'lighthouse'), [], 'the old passages are gone')

  await stack.pool.query('update document_blobs set bytes = $2 where document_id = $1', [doc.id, PNG])
  t.equal((await app.inject({ method: 'POST', url: `/documents/${doc.id}/reprocess`, headers: auth })).statusCode, 202)
  t.match(await completed(own, doc.id), { status: 'failed', errorCode: 'unsupported_type', version: 2 })
  const afterFailure = await served(t, own, doc.id)
  t.same([afterFailure.version, afterFailure.text, afterFailure.chunks], ['2', second, [second]], 'a failed reprocess keeps the last good result')
  t.same(await found(t, own, 'orchard'), [doc.id])
})

t.test('a document that never completed has no text or passages to serve: 409 without a version', async (t) => {
  const doc = (await upload(app, key, PNG, { filename: 'pixel.txt' })).json()
  t.match(await completed(shared, doc.id), { status: 'failed', version: 0 })
  for (const path of ['text', 'chunks']) {
    const response = await app.inject({ method: 'GET', url: `/documents/${doc.id}/${path}`, headers: auth })
    t.equal(response.statusCode, 409, path)
    t.match(response.json(), { code: 'DOCQ_DOCUMENT_NOT_READY', message: /has no result yet/ }, path)
    t.equal(response.headers['x-document-version'], undefined, path)
  }
})
