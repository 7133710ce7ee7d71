import t from 'tap'
import { TestContext, waitFor } from '../helpers/context.js'
import { readCorpusFile } from '../helpers/corpus.js'
import { upload } from '../helpers/http.js'

const context = TestContext.create(t)
const runtime = await context.runtime()
const app = await context.app(runtime)
const { key } = await runtime.apiKeys.create('results')
const auth = { authorization: `Bearer ${key}` }

async function completed (id: string): Promise<Record<string, unknown>> {
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
  const doc = (await upload(app, key, longText, { filename: 'long.txt' })).json()
  for (const path of ['text', 'chunks']) {
    const early = await app.inject({ method: 'GET', url: `/documents/${doc.id}/${path}`, headers: auth })
    t.equal(early.statusCode, 409, path)
    t.equal(early.json().code, 'DOCQ_DOCUMENT_NOT_READY', path)
  }
  context.worker(runtime)
  t.equal((await completed(doc.id)).status, 'completed')

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
  const done = await completed(doc.id)
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
  await completed(doc.id)
  const before = await runtime.pool.query('select count(*)::int as n from document_chunks where document_id = $1', [doc.id])
  const again = await app.inject({ method: 'POST', url: `/documents/${doc.id}/reprocess`, headers: auth })
  t.equal(again.statusCode, 202)
  const done = await completed(doc.id)
  t.equal(done.version, 2)
  const after = await runtime.pool.query('select count(*)::int as n, count(distinct ordinal)::int as distinct from document_chunks where document_id = $1', [doc.id])
  t.same(after.rows[0], { n: before.rows[0].n, distinct: before.rows[0].n }, 'the same passages once, not twice')
})

t.test('results routes answer 404 for another tenant and unknown ids', async (t) => {
  const doc = (await upload(app, key, 'private words')).json()
  await completed(doc.id)
  const other = await runtime.apiKeys.create('someone-else')
  for (const path of ['text', 'chunks', 'content']) {
    const response = await app.inject({ method: 'GET', url: `/documents/${doc.id}/${path}`, headers: { authorization: `Bearer ${other.key}` } })
    t.equal(response.statusCode, 404, path)
    t.equal(response.json().code, 'DOCQ_DOCUMENT_NOT_FOUND', path)
  }
})
