import t from 'tap'
import { chunkDocument, chunkText } from '../../src/processing/chunk-text.js'
import '../helpers/leak-check.js'

const sentence = (i: number): string => `Sentence number ${i} talks about the weather in a calm and measured way.`

/** Paragraphs of `perParagraph` sentences each. */
function prose (paragraphs: number, perParagraph: number): string {
  let n = 0
  return Array.from({ length: paragraphs }, () =>
    Array.from({ length: perParagraph }, () => sentence(n++)).join(' ')).join('\n\n')
}

t.test('chunks stay within 1000–1500 characters, the last may be shorter', async (t) => {
  const text = prose(40, 7)
  const chunks = chunkText(text)
  t.ok(chunks.length > 5)
  for (const chunk of chunks.slice(0, -1)) {
    t.ok(chunk.length >= 1000 && chunk.length <= 1500, `length ${chunk.length}`)
  }
  t.ok((chunks.at(-1)?.length ?? 0) <= 1500)
})

t.test('chunks end on sentence boundaries and lose no text', async (t) => {
  const text = prose(30, 5)
  const chunks = chunkText(text)
  for (const chunk of chunks) {
    t.match(chunk, /^Sentence number \d+ /, 'starts at a sentence')
    t.match(chunk, /measured way\.$/, 'ends at a sentence')
  }
  t.equal(chunks.join(' ').replace(/\s+/g, ' '), text.replace(/\s+/g, ' '), 'concatenation is the text')
})

t.test('a paragraph of 40,000 sentences chunks on sentence boundaries (and in linear time)', async (t) => {
  const text = Array.from({ length: 40_000 }, (_, i) => sentence(i)).join(' ')
  const chunks = chunkText(text)
  t.ok(chunks.every((chunk) => /^Sentence number \d+ .*measured way\.$/.test(chunk)), 'every chunk is whole sentences')
  t.equal(chunks.join(' '), text)
})

t.test('a chunk is closed at a paragraph break once it is long enough', async (t) => {
  const paragraph = Array.from({ length: 15 }, (_, i) => sentence(i)).join(' ') // about 1,100 characters
  const text = `${paragraph}\n\n${paragraph}\n\n${paragraph}`
  const chunks = chunkText(text)
  t.equal(chunks.length, 3)
  t.ok(chunks.every((chunk) => chunk === paragraph))
})

t.test('a paragraph that does not fit beside a short chunk is cut between its sentences to fill it', async (t) => {
  // About 800 characters each: two together pass the maximum, one alone is under the minimum.
  const paragraphs = Array.from({ length: 6 }, (_, p) => Array.from({ length: 11 }, (_, i) => sentence(p * 11 + i)).join(' '))
  const text = paragraphs.join('\n\n')
  const chunks = chunkText(text)
  for (const chunk of chunks.slice(0, -1)) t.ok(chunk.length >= 1000 && chunk.length <= 1500, `length ${chunk.length}`)
  t.ok(chunks.every((chunk) => /^Sentence number \d+ .*measured way\.$/s.test(chunk)), 'every chunk is whole sentences')
  t.ok(chunks.some((chunk) => !paragraphs.some((paragraph) => paragraph.startsWith(chunk.slice(0, 20)))), 'some chunk starts inside a paragraph')
  t.equal(chunks.join(' ').replace(/\s+/g, ' '), text.replace(/\s+/g, ' '), 'concatenation is the text')
})

t.test('text without spaces or sentence ends is cut at the maximum, never inside a surrogate pair', async (t) => {
  const text = '字'.repeat(3000) + '😀'.repeat(1000)
  const chunks = chunkText(text)
  t.ok(chunks.every((chunk) => chunk.length <= 1500))
  t.equal(chunks.join(''), text)
  t.ok(chunks.every((chunk) => !/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(chunk)), 'no lone surrogates at the edges')
})

t.test('long sentences fill a short chunk instead of leaving it short', async (t) => {
  const long = (i: number): string => `Long sentence ${i} ` + 'goes on and on without a break '.repeat(22).trim() + '.'
  const text = Array.from({ length: 12 }, (_, i) => long(i)).join(' ')
  const chunks = chunkText(text)
  for (const chunk of chunks.slice(0, -1)) {
    t.ok(chunk.length >= 1000 && chunk.length <= 1500, `length ${chunk.length}`)
  }
  t.equal(chunks.join(' '), text)
})

t.test('a giant sentence is split at word boundaries', async (t) => {
  const text = Array.from({ length: 800 }, (_, i) => `word${i}`).join(' ')
  const chunks = chunkText(text)
  t.ok(chunks.length >= 4)
  for (const chunk of chunks) {
    t.ok(chunk.length <= 1500)
    t.match(chunk, /^word\d+( word\d+)*$/, 'whole words only')
  }
})

t.test('empty and whitespace-only text has no chunks; short text has one', async (t) => {
  t.same(chunkText(''), [])
  t.same(chunkText(' \n\n \t '), [])
  t.same(chunkText('Hello there.'), ['Hello there.'])
})

t.test('document chunks: ordinals run across PDF pages, pages are 1-based, empty pages have none', async (t) => {
  const pages = [prose(3, 8), '', 'Only a line on page three.']
  const chunks = chunkDocument(pages.join('\n\n'), pages)
  t.same(chunks.map((chunk) => chunk.ordinal), chunks.map((_, i) => i))
  t.ok(chunks.some((chunk) => chunk.page === 1))
  t.notOk(chunks.some((chunk) => chunk.page === 2))
  t.same(chunks.at(-1), { ordinal: chunks.length - 1, page: 3, text: 'Only a line on page three.' })
  const plain = chunkDocument('One. Two.', null)
  t.same(plain, [{ ordinal: 0, page: null, text: 'One. Two.' }])
})

t.test('chunking is deterministic', async (t) => {
  const text = prose(25, 6)
  t.same(chunkText(text), chunkText(text))
})
