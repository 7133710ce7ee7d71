import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { withTimeout } from '../../src/lib/with-timeout.js'
import { EMBEDDED_HANG_MS as HANG_MS, spawnEmbedded, startEmbedded, stopEmbedded as stop } from '../helpers/embedded-service.js'
import { freePort } from '../helpers/free-port.js'
import { SseClient } from '../helpers/sse-client.js'

// `npm start` in the embedded mode, as a child process: PGlite in the process with its files in a
// scratch DATA_DIR, wake-ups in the process, no Redis (see test/helpers/embedded-service.ts).
t.setTimeout(1_800_000)

const KEY_LINE = /^(dq_\S+)$/m

t.test('npm start embedded: upload, completed (heard live), search and stats; after a restart the data and the key are still there', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'docqueue-embedded-'))
  t.teardown(async () => { await rm(dataDir, { recursive: true, force: true }) })
  const port = await freePort()

  const first = await startEmbedded(t, dataDir, port)
  t.match(first.stderr(), /running EMBEDDED/, 'a clear notice of the mode')
  t.match(first.stderr(), dataDir, 'which says where the data lives')
  t.match(first.stderr(), /not for load/, 'and its limits')
  t.match(first.stderr(), /DATABASE_URL and REDIS_URL/, 'and how to move to real servers')
  const key = KEY_LINE.exec(first.stderr())?.[1]
  if (key === undefined) throw new Error(`no API key printed: ${first.stderr()}`)
  const auth = { authorization: `Bearer ${key}` }

  const ready = await fetch(`${first.api}/readyz`)
  t.same(await ready.json(), { status: 'ready', postgres: 'up', redis: 'not used', warnings: [] }, 'ready, and says Redis is not used rather than down')

  // 'close', not 'exit': by then everything it wrote on stderr has been read.
  const rival = spawnEmbedded({ DATA_DIR: dataDir, PORT: '0' })
  const [code] = await once(rival.child, 'close') as [number | null]
  const busy = { code, stderr: rival.stderr() }
  t.equal(busy.code, 1, 'a second process on the same data folder is refused')
  t.match(busy.stderr, /another docqueue process \(pid \d+\) is using/, busy.stderr)

  // Over 1 MiB: on real servers such bytes go by binary COPY, which PGlite's socket does not speak.
  const large = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `line ${i} of a large upload\n`).join(''))
  t.ok(large.length > 1024 * 1024)
  const largeForm = new FormData()
  largeForm.append('file', new Blob([large], { type: 'text/plain' }), 'large.txt')
  const largeUpload = await fetch(`${first.api}/documents`, { method: 'POST', headers: auth, body: largeForm })
  t.equal(largeUpload.status, 202, 'a large upload is stored')
  const largeId = (await largeUpload.json() as { id: string }).id
  const content = await fetch(`${first.api}/documents/${largeId}/content`, { headers: auth })
  t.ok(Buffer.from(await content.arrayBuffer()).equals(large), 'and its bytes come back as sent')
  t.equal((await fetch(`${first.api}/documents/${largeId}`, { method: 'DELETE', headers: auth })).status, 204, 'then it is deleted')

  const form = new FormData()
  form.append('file', new Blob(['# Lighthouse keeping\n\nThe keeper trims the wick of the lamp every evening before the storm arrives.\n'], { type: 'text/markdown' }), 'lighthouse.md')
  const upload = await fetch(`${first.api}/documents`, { method: 'POST', headers: auth, body: form })
  t.equal(upload.status, 202)
  const document = await upload.json() as { id: string, status: string }
  t.equal(document.status, 'pending', 'the same statuses as on real servers')

  // The document's events, live: the stream ends once the document reaches a final state.
  const events = await SseClient.open(`${first.api}/documents/${document.id}/events`, auth)
  const ended = await withTimeout(events.ended.then(() => true), HANG_MS, () => false)
  t.ok(ended, 'the event stream ended')
  t.equal(events.events.at(-1)?.data.status, 'completed', `completed, heard through the stream: ${JSON.stringify(events.events)}`)

  const read = await (await fetch(`${first.api}/documents/${document.id}`, { headers: auth })).json() as { status: string, metadata: { title: string } }
  t.equal(read.status, 'completed')
  t.equal(read.metadata.title, 'Lighthouse keeping')

  const search = await (await fetch(`${first.api}/search?q=keepers+trimming+wicks`, { headers: auth })).json() as { total: number, results: Array<{ documentId: string }> }
  t.equal(search.total, 1, 'found by stem')
  t.equal(search.results[0]?.documentId, document.id)

  const stats = await (await fetch(`${first.api}/queue/stats`, { headers: auth })).json() as Record<string, unknown>
  t.match(stats, { pending: 0, inProgress: 0, completed: 1, failed: 0, retrying: 0 })

  t.equal(await stop(first), 0, 'a clean stop')
  t.notOk(existsSync(join(dataDir, 'docqueue.pid')), 'the data folder is released')

  const second = await startEmbedded(t, dataDir, port)
  t.notMatch(second.stderr(), KEY_LINE, 'no new key: the database is not new')
  const again = await fetch(`${second.api}/documents/${document.id}`, { headers: auth })
  t.equal(again.status, 200, 'the key of the first run still works')
  t.equal((await again.json() as { status: string }).status, 'completed', 'the document kept its status')
  const searchedAgain = await (await fetch(`${second.api}/search?q=lighthouse`, { headers: auth })).json() as { total: number }
  t.equal(searchedAgain.total, 1, 'and is still found')
  t.match(await (await fetch(`${second.api}/queue/stats`, { headers: auth })).json(), { completed: 1, pending: 0 })
  t.equal(await stop(second), 0)
})
