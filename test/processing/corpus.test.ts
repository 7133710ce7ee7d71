import { createHash } from 'node:crypto'
import t from 'tap'
import { createDocumentProcessor, ProcessingError } from '../../src/processing/index.js'
import type { ProcessedDocument } from '../../src/processing/index.js'
import { containsExpected, expectedFailures as failures, readCorpusFile, readManifest, scans, specialCompletions } from '../helpers/corpus.js'
import { settle } from '../helpers/settle.js'
import '../helpers/leak-check.js'

const manifest = readManifest()
const processor = createDocumentProcessor()
t.teardown(async () => { await processor.close() })

async function outcome (file: string, filename: string, declaredType: string | null): Promise<ProcessedDocument | ProcessingError> {
  return await settle(processor.process({ bytes: readCorpusFile(file), filename, declaredType }))
}

t.test('the manifest lists 41 intact files', async (t) => {
  t.equal(manifest.length, 41)
  for (const entry of manifest) {
    const bytes = readCorpusFile(entry.file)
    t.equal(createHash('sha256').update(bytes).digest('hex'), entry.sha256, `${entry.file} is intact`)
  }
})

for (const entry of manifest) {
  t.test(`${entry.file}: ${entry.special.slice(0, 60)}`, async (t) => {
    const result = await outcome(entry.file, entry.file, entry.mediaType)
    const failure = failures[entry.file]
    if (failure !== undefined) {
      t.type(result, ProcessingError, 'fails with a ProcessingError')
      if (!(result instanceof ProcessingError)) return
      t.equal(result.code, failure.code)
      t.equal(result.permanent, true, 'the failure is permanent')
      t.match(result.message, failure.message)
      return
    }
    if (result instanceof ProcessingError) {
      t.fail(`expected to complete, failed with ${result.code}: ${result.message}`)
      return
    }
    t.ok(result.chunks.every((chunk, index) => chunk.ordinal === index && chunk.text.trim() !== ''), 'chunks are numbered and non-empty')
    t.equal(result.metadata.characters, result.text.length)
    t.equal(result.metadata.detectedType, result.detectedType)
    if (scans.has(entry.file)) {
      t.equal(result.detectedType, 'application/pdf')
      t.equal(result.metadata.needsOcr, true, 'needs OCR')
      t.equal(result.metadata.words, 0)
      t.equal(result.metadata.pages, 1)
      t.same(result.chunks, [])
      return
    }
    if (specialCompletions.has(entry.file)) return
    t.not(entry.expected, '', 'a completing file has an expected snippet')
    t.ok(containsExpected(result.text, entry.expected), `finds "${entry.expected}"`)
    t.equal(result.metadata.needsOcr, false)
    t.ok(result.metadata.words > 0)
    const replacement = (result.text.match(/\uFFFD/g) ?? []).length
    t.ok(replacement <= result.text.length * 0.01, `U+FFFD is under 1 % (${replacement})`)
    t.equal(result.detectedType, entry.mediaType, 'detected type is the true type')
  })
}

t.test('pdfjs_poppler-85140-0.pdf (claims 213,804,087 pages) completes with the one page pdf.js finds', async (t) => {
  const result = await outcome('pdfjs_poppler-85140-0.pdf', 'poppler.pdf', 'application/pdf')
  if (result instanceof ProcessingError) return t.fail(result.message)
  t.equal(result.metadata.pages, 1)
  t.equal(result.metadata.words, 0)
  t.equal(result.metadata.needsOcr, true, 'no text layer, by the contract\'s definition')
})

t.test('poi_ExternalEntityInText.docx keeps its text, drops the entity and fetches nothing', async (t) => {
  const result = await outcome('poi_ExternalEntityInText.docx', 'xxe.docx', null)
  if (result instanceof ProcessingError) return t.fail(result.message)
  t.match(result.text, /Here should not be the POI web site: ""/)
  t.notMatch(result.text, /poi\.apache\.org|Apache POI/i)
})

t.test('readability_wikipedia-mozilla.html has no script text', async (t) => {
  const result = await outcome('readability_wikipedia-mozilla.html', 'page.html', 'text/html')
  if (result instanceof ProcessingError) return t.fail(result.message)
  t.notMatch(result.text, /wgCanonicalNamespace|mw\.config|RLQ/)
  t.equal(result.metadata.title, 'Mozilla - Wikipedia')
  t.equal(result.metadata.language, 'eng')
})

t.test('charsets are reported as decoded', async (t) => {
  const expectations: Record<string, string> = {
    'tika_big-preamble.html': 'windows-1251',
    'tika_testHTMLNoisyMetaEncoding_1.html': 'iso-8859-6',
    'tika_testArabicMisleadingCharset.html': 'windows-1256',
    'chardet_euc-jp_mozilla_bug426271.html': 'euc-jp',
    'chardet_utf16le-bom_subtitles.txt': 'utf-16le',
    'chardet_latin1_portuguese.txt': 'windows-1252',
    'tika_testTXT_win-1252.txt': 'windows-1252',
    'tika_testTXTNonASCIIUTF8.txt': 'utf-8'
  }
  for (const [file, encoding] of Object.entries(expectations)) {
    const result = await outcome(file, file, null)
    if (result instanceof ProcessingError) return t.fail(result.message)
    t.equal(result.metadata.encoding, encoding, file)
  }
})

t.test('DOCX structure: table cells on one row, footnotes kept, core title read', async (t) => {
  const tables = await outcome('mammoth_tables.docx', 't.docx', null)
  if (tables instanceof ProcessingError) return t.fail(tables.message)
  t.match(tables.text, /Above\n\nTop left\tTop right\nBottom left\tBottom right\n\nBelow/)
  const footnotes = await outcome('mammoth_footnotes.docx', 'f.docx', null)
  if (footnotes instanceof ProcessingError) return t.fail(footnotes.message)
  t.match(footnotes.text, /A tachyon walks into a bar/)
  t.notMatch(footnotes.text, /↑/, 'footnote back-links are not text')
  const images = await outcome('tika_testWORD_3imgs.docx', 'i.docx', null)
  if (images instanceof ProcessingError) return t.fail(images.message)
  t.equal(images.metadata.title, 'The quick brown fox jumps over the lazy dog')
  t.equal(images.metadata.author, 'Nevin Nollop')
})

t.test('Markdown: front matter is metadata, syntax is gone', async (t) => {
  const jekyll = await outcome('jekyll_front-matter.md', 'front-matter.md', 'text/markdown')
  if (jekyll instanceof ProcessingError) return t.fail(jekyll.message)
  t.same(jekyll.metadata.frontMatter, { title: 'Front Matter', permalink: '/docs/front-matter/', redirect_from: '/docs/frontmatter/index.html' })
  t.equal(jekyll.metadata.title, 'Front Matter')
  t.notMatch(jekyll.text, /^permalink:/m, 'front matter is not text')
  t.notMatch(jekyll.text, /<div|class="note"/, 'raw HTML tags are stripped')
  const mammoth = await outcome('mammoth_README.md', 'README.md', null)
  if (mammoth instanceof ProcessingError) return t.fail(mammoth.message)
  t.equal(mammoth.metadata.title, 'Mammoth .docx to HTML converter')
  t.notMatch(mammoth.text, /^#+ /m, 'no heading marks')
  t.notMatch(mammoth.text, /```/, 'no fences')
  t.notMatch(mammoth.text, /\]\(https?:/, 'no link targets')
  t.match(mammoth.text, /npm install mammoth/, 'code content stays')
  const dayjs = await outcome('dayjs_README.zh-CN.md', 'README.zh-CN.md', null)
  if (dayjs instanceof ProcessingError) return t.fail(dayjs.message)
  t.notMatch(dayjs.text, /<img|<p align|shields\.io/, 'raw HTML and badge URLs are gone')
  t.match(dayjs.text, /🕒 和 Moment\.js 相同的 API 和用法/, 'emoji survive')
  t.equal(dayjs.metadata.language, 'cmn')
})

t.test('words are counted per word in CJK text without spaces', async (t) => {
  const result = await outcome('pdfjs_XiaoBiaoSong.pdf', 'x.pdf', null)
  if (result instanceof ProcessingError) return t.fail(result.message)
  const spaceSeparated = result.text.split(/\s+/).filter((token) => token !== '').length
  t.ok(result.metadata.words > spaceSeparated * 2, `${result.metadata.words} words from ${spaceSeparated} tokens`)
  t.equal(result.metadata.language, 'cmn')
})

t.test('files that lie about their type are judged by their bytes', async (t) => {
  const droste = await outcome('tika_droste.zip', 'droste.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')
  t.type(droste, ProcessingError)
  t.equal((droste as ProcessingError).code, 'unsupported_type')
  const bomb = await outcome('poi_poc-xmlbomb.xlsx', 'bomb.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')
  t.type(bomb, ProcessingError)
  t.equal((bomb as ProcessingError).code, 'unsupported_type')
  const pdf = await outcome('pdfjs_pdfjs_wikipedia.pdf', 'notes.txt', 'text/plain')
  if (pdf instanceof ProcessingError) return t.fail(pdf.message)
  t.equal(pdf.detectedType, 'application/pdf')
})
