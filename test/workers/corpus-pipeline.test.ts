import t from 'tap'
import { TestContext, waitFor } from '../helpers/context.js'
import { containsExpected, expectedFailures, readCorpusFile, readManifest, scans, specialCompletions } from '../helpers/corpus.js'
import { upload } from '../helpers/http.js'

// Every corpus document through the real pipeline: HTTP upload → Postgres → BullMQ → worker
// (extraction threads) → status and results read back over HTTP.
const context = TestContext.create(t, { WORKER_CONCURRENCY: '2' })
const stack = await context.stack()
const app = await context.app(stack)
const { key } = await stack.apiKeys.create('corpus')
const auth = { authorization: `Bearer ${key}` }
const manifest = readManifest()
context.worker(stack)

// All files are uploaded together and processed before any test reads them, so that each test
// below runs alone (--grep) or in any order.
const uploads = new Map<string, { statusCode: number, id: string }>()
for (const entry of manifest) {
  const response = await upload(app, key, readCorpusFile(entry.file), { filename: entry.file, contentType: entry.mediaType })
  uploads.set(entry.file, { statusCode: response.statusCode, id: response.json().id })
}
await waitFor(async () => {
  const { rows } = await stack.pool.query("select count(*) filter (where status not in ('completed', 'failed'))::int as unfinished from documents")
  return rows[0].unfinished === 0 ? true : undefined
}, 'every corpus document to finish', 120_000)

for (const entry of manifest) {
  t.test(entry.file, async (t) => {
    const uploaded = uploads.get(entry.file)
    t.equal(uploaded?.statusCode, 202, 'accepted')
    const id = uploaded?.id ?? ''
    const doc = (await app.inject({ method: 'GET', url: `/documents/${id}`, headers: auth })).json()
    const failure = expectedFailures[entry.file]
    if (failure !== undefined) {
      t.match(doc, { status: 'failed', attempts: 1, errorKind: 'permanent', errorCode: failure.code })
      t.match(doc.lastError, failure.message)
    } else {
      t.match(doc, { status: 'completed', attempts: 1, version: 1 })
      if (scans.has(entry.file)) {
        t.match(doc.metadata, { needsOcr: true, words: 0 })
      } else if (!specialCompletions.has(entry.file)) {
        const text = await app.inject({ method: 'GET', url: `/documents/${id}/text`, headers: auth })
        t.ok(containsExpected(text.body, entry.expected), `the text holds "${entry.expected}"`)
        t.equal(doc.mediaType, entry.mediaType, 'the detected type is the true type')
      }
    }
  })
}

t.test('corpus summary: the expected failures fail, every other file completes', async (t) => {
  const { rows } = await stack.pool.query("select count(*) filter (where status = 'completed')::int as completed, count(*) filter (where status = 'failed')::int as failed from documents")
  const failing = manifest.filter((entry) => expectedFailures[entry.file] !== undefined).length
  t.comment(`corpus through the pipeline: ${manifest.length} files, ${rows[0].completed} completed, ${rows[0].failed} failed`)
  t.same(rows[0], { completed: manifest.length - failing, failed: failing })
})
