import t from 'tap'
import { TestContext, waitFor } from '../helpers/context.js'
import { containsExpected, expectedFailures, readCorpusFile, readManifest, scans, specialCompletions } from '../helpers/corpus.js'
import { upload } from '../helpers/http.js'

// Every corpus document through the real pipeline: HTTP upload → Postgres → BullMQ → worker
// (extraction processes) → status and results read back over HTTP.
const context = TestContext.create(t, { WORKER_CONCURRENCY: '2' })
const stack = await context.stack()
const app = await context.app(stack)
const { key } = await stack.apiKeys.create('corpus')
const auth = { authorization: `Bearer ${key}` }
const manifest = readManifest()
context.worker(stack)

const uploaded = new Map<string, string>()
t.test('every corpus file is accepted and reaches a final status', async (t) => {
  for (const entry of manifest) {
    const response = await upload(app, key, readCorpusFile(entry.file), { filename: entry.file, contentType: entry.mediaType })
    t.equal(response.statusCode, 202, `${entry.file} accepted`)
    uploaded.set(entry.file, response.json().id)
  }
  await waitFor(async () => {
    const { rows } = await stack.pool.query("select count(*)::int as n from documents where status in ('completed', 'failed')")
    return rows[0].n === manifest.length ? true : undefined
  }, 'every corpus document to finish', 120_000)
})

const tally = { completed: 0, failed: 0, pass: 0, fail: 0 }
for (const entry of manifest) {
  t.test(entry.file, async (t) => {
    const id = uploaded.get(entry.file) ?? ''
    const doc = (await app.inject({ method: 'GET', url: `/documents/${id}`, headers: auth })).json()
    const failuresBefore = t.counts.fail
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
    tally[doc.status === 'completed' ? 'completed' : 'failed'] += 1
    tally[t.counts.fail === failuresBefore ? 'pass' : 'fail'] += 1
  })
}

t.test('corpus summary', async (t) => {
  t.comment(`corpus through the pipeline: ${manifest.length} files, ${tally.completed} completed, ${tally.failed} failed; ${tally.pass} as expected, ${tally.fail} not`)
  t.equal(tally.pass, manifest.length)
})
