import t, { type Test } from 'tap'
import { searchChunks } from '../../src/db/chunks.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { readCorpusFile } from '../helpers/corpus.js'
import { upload } from '../helpers/http.js'

const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
context.worker(stack)
const alice = await stack.apiKeys.create('alice')
const bob = await stack.apiKeys.create('bob')

async function uploadAndWait (key: string, content: string | Buffer, filename: string, contentType = 'text/plain'): Promise<string> {
  const id: string = (await upload(app, key, content, { filename, contentType })).json().id
  await waitFor(async () => {
    const { rows } = await stack.pool.query("select 1 from documents where id = $1 and status = 'completed'", [id])
    return rows.length === 1 ? true : undefined
  }, `${filename} to complete`)
  return id
}

async function search (t: Test, key: string, query: string): Promise<{ total: number, totalIsCapped: boolean, results: Array<{ documentId: string, title: string | null, hits: Array<{ snippet: string, page: number | null }> }> }> {
  const response = await app.inject({ method: 'GET', url: `/search?q=${encodeURIComponent(query)}`, headers: { authorization: `Bearer ${key}` } })
  t.equal(response.statusCode, 200, `search ${query}`)
  return response.json()
}

const filler = (topic: string): string => Array.from({ length: 8 }, (_, i) =>
  `Section ${i} covers ${topic} in some detail, with examples and remarks that make the passage long enough to stand alone. `.repeat(3)).join('\n\n')

const titled = await uploadAndWait(alice.key, `# Kangaroo migration\n\nKangaroos travel far in dry seasons.\n\n${filler('weather')}`, 'kangaroo.md', 'text/markdown')
const mentioned = await uploadAndWait(alice.key, `${filler('gardening')}\n\nA kangaroo once visited the garden.`, 'garden.txt')
const running = await uploadAndWait(alice.key, 'The sprinters were sprinting quickly through the park while others walked.', 'park.txt')
const markup = await uploadAndWait(alice.key, 'Never trust "quoted" wombat facts & figures where 1 < 2, says <b>the</b> wombat.', 'markup.txt')
const russian = await uploadAndWait(alice.key, readCorpusFile('poi_bib-chernigovka_17459.docx'), 'calendar.docx', 'application/octet-stream')
const paper = await uploadAndWait(alice.key, readCorpusFile('pdfjs_tracemonkey.pdf'), 'tracemonkey.pdf', 'application/pdf')
const bobs = await uploadAndWait(bob.key, 'Bob also writes about a kangaroo and wombats.', 'bob.txt')
const french = await uploadAndWait(alice.key, 'Les enfants mangeaient des pommes dans les jardins du village, puis ils rentraient chez eux avant la nuit.', 'village.txt')
const german = await uploadAndWait(alice.key, 'Die Kinder spielten jeden Nachmittag in den Gärten hinter den alten Häusern am Fluss.', 'fluss.txt')
const coined = await uploadAndWait(alice.key, 'Our engineers calibrated the zorbulators before the launch, then checked the Xq7-relay twice.', 'launch.txt')
const titleOnly = await uploadAndWait(alice.key, `<html><head><title>Platypus field notes</title></head><body><p>${filler('rivers')}</p></body></html>`, 'notes.html', 'text/html')
const bodyFirst = await uploadAndWait(alice.key, `A platypus swims in the first paragraph of this note.\n\n${filler('burrows')}`, 'burrows.txt')

t.test('documents with the words in their title or first passage rank first', async (t) => {
  const result = await search(t, alice.key, 'kangaroo')
  t.equal(result.total, 2)
  t.equal(result.totalIsCapped, false)
  t.same(result.results.map((r) => r.documentId), [titled, mentioned])
  t.equal(result.results[0].title, 'Kangaroo migration')
  t.match(result.results[0].hits[0].snippet, /<mark>Kangaroo/)
})

t.test('web search syntax: phrases, OR and exclusion', async (t) => {
  t.same((await search(t, alice.key, '"kangaroo once visited"')).results.map((r) => r.documentId), [mentioned])
  t.same((await search(t, alice.key, '"visited once kangaroo"')).results, [], 'word order matters in a phrase')
  t.same((await search(t, alice.key, 'kangaroo -garden')).results.map((r) => r.documentId), [titled])
  const either = (await search(t, alice.key, 'wombat OR sprinters')).results.map((r) => r.documentId).sort()
  t.same(either, [running, markup].sort())
})

t.test('English stemming matches word forms; exact words find other languages', async (t) => {
  t.same((await search(t, alice.key, 'sprint')).results.map((r) => r.documentId), [running])
  t.same((await search(t, alice.key, 'Календарь')).results.map((r) => r.documentId), [russian])
})

t.test('each language is matched by its own stemmer; unknown words as written', async (t) => {
  t.same((await search(t, alice.key, 'mangeait')).results.map((r) => r.documentId), [french], 'French stem of mangeaient')
  t.same((await search(t, alice.key, 'Haus Garten')).results.map((r) => r.documentId), [german], 'German stems of Häusern, Gärten')
  t.same((await search(t, alice.key, 'zorbulator')).results.map((r) => r.documentId), [coined])
  t.same((await search(t, alice.key, '"Xq7-relay"')).results.map((r) => r.documentId), [coined])
  t.same((await search(t, alice.key, 'jardins -mangeaient')).results, [], 'an exclusion holds in the passage’s language')
})

t.test('a word in the title outranks the same word in the first passage', async (t) => {
  const result = await search(t, alice.key, 'platypus')
  t.same(result.results.map((r) => r.documentId), [titleOnly, bodyFirst])
  t.equal(result.results[0].title, 'Platypus field notes')
})

t.test('an exclusion is not bypassed by another configuration of the tenant', async (t) => {
  const carol = await stack.apiKeys.create('carol')
  const outback = await uploadAndWait(carol.key, 'The kangaroos keep running across the outback roads at dusk, so drivers slow down.', 'outback.txt')
  const short = await uploadAndWait(carol.key, 'Outback, briefly.', 'short.txt')
  const { rows } = await stack.pool.query<{ config: string }>("select config::text from search_configs where tenant = 'carol' order by 1")
  t.same(rows.map((r) => r.config), ['english', 'simple'], 'carol has an English and an unknown-language document')
  t.same((await search(t, carol.key, 'runs')).results.map((r) => r.documentId), [outback], 'running found by stem')
  t.same((await search(t, carol.key, 'outback -running')).results.map((r) => r.documentId), [short])
})

t.test('a query matching more passages than a search reads ranks and counts those, flagged as capped', async (t) => {
  const bothSingle = 'wombat OR sprinters'
  const all = await searchChunks(stack.pool, 'alice', bothSingle, { limit: 10, offset: 0, candidateLimit: 2 })
  t.same([all.total, all.totalIsCapped, all.results.length], [2, false, 2], 'two passages match: exact within the limit')
  const capped = await searchChunks(stack.pool, 'alice', bothSingle, { limit: 10, offset: 0, candidateLimit: 1 })
  t.same([capped.total, capped.totalIsCapped, capped.results.length], [1, true, 1], 'at least one document')
  t.ok([running, markup].includes(capped.results[0].documentId), 'the one read is one of the matches')
})

t.test('PDF hits carry their page', async (t) => {
  const result = await search(t, alice.key, '"trace-based" compilation')
  t.equal(result.results[0].documentId, paper)
  t.ok(result.results[0].hits.every((hit) => Number.isInteger(hit.page) && hit.page! >= 1), 'every hit has a page')
})

t.test('snippets are HTML-escaped around the highlights', async (t) => {
  const result = await search(t, alice.key, 'wombat')
  const snippet = result.results[0].hits[0].snippet
  t.match(snippet, /&quot;quoted&quot;/)
  t.match(snippet, /&amp; figures/)
  t.match(snippet, /<mark>wombat<\/mark>/)
  t.notMatch(snippet.replaceAll('<mark>', '').replaceAll('</mark>', ''), /[<>]/, 'no markup but the highlights')
})

t.test('a tenant never sees another tenant’s hits', async (t) => {
  const asBob = await search(t, bob.key, 'kangaroo')
  t.same(asBob.results.map((r) => r.documentId), [bobs])
  const asAlice = await search(t, alice.key, 'Bob')
  t.same(asAlice.results, [])
})

t.test('search pages by offset and validates its query', async (t) => {
  const headers = { authorization: `Bearer ${alice.key}` }
  const first = (await app.inject({ method: 'GET', url: '/search?q=kangaroo&limit=1', headers })).json()
  const second = (await app.inject({ method: 'GET', url: '/search?q=kangaroo&limit=1&offset=1', headers })).json()
  t.same([first.total, second.total], [2, 2])
  t.same([...first.results, ...second.results].map((r: { documentId: string }) => r.documentId), [titled, mentioned])
  for (const url of ['/search', '/search?q=', '/search?q=x&limit=0']) {
    const bad = await app.inject({ method: 'GET', url, headers })
    t.equal(bad.statusCode, 400, url)
  }
  const unauthenticated = await app.inject({ method: 'GET', url: '/search?q=x' })
  t.equal(unauthenticated.statusCode, 401)
})
