import { inflateRawSync } from 'node:zlib'
import t from 'tap'
import { processDocument } from '../../src/processing/process-document.js'
import { ProcessingError } from '../../src/processing/processing-error.js'
import { resolveLimits } from '../../src/processing/limits.js'
import { parseZipDirectory } from '../../src/processing/zip-archive.js'
import { expectedFailures, readCorpusFile, readManifest } from '../helpers/corpus.js'
import { buildZip, deflated, packageParts } from '../helpers/docx-builder.js'
import { settle } from '../helpers/settle.js'

// The DOCX extractor reads WordprocessingML in one streaming pass (word-text.ts). These tests
// hold it to the corpus's documents and to generated ones, in-process: the extraction
// processes around it are tested in limits.test.ts and generated.test.ts.

const limits = resolveLimits()
const docxType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
const corpusDocx = readManifest().filter((entry) => entry.mediaType === docxType && expectedFailures[entry.file] === undefined)

async function docxText (bytes: Buffer, filename = 'test.docx'): Promise<string> {
  return (await processDocument({ bytes, filename, declaredType: docxType }, limits)).text
}

/** word/document.xml of a corpus file, inflated with zlib directly rather than the service's reader. */
function documentXml (file: string): string {
  const bytes = readCorpusFile(file)
  const entry = parseZipDirectory(bytes).entries.find((candidate) => candidate.name === 'word/document.xml')
  if (entry === undefined) throw new Error(`${file} has no word/document.xml`)
  const nameLength = bytes.readUInt16LE(entry.localHeaderOffset + 26)
  const extraLength = bytes.readUInt16LE(entry.localHeaderOffset + 28)
  const start = entry.localHeaderOffset + 30 + nameLength + extraLength
  return inflateRawSync(bytes.subarray(start, start + entry.compressedSize)).toString('utf8')
}

/**
 * Every visible character of the body in document order, read the simplest way: the content
 * of each `w:t`, leaving out the alternative content that has a fallback (`mc:Choice`) and
 * deleted text, without whitespace and entities decoded (a reference to an undefined entity is
 * dropped, as it must be).
 */
function bodyCharacters (xml: string): string {
  const visible = xml.replace(/<mc:Choice[\s\S]*?<\/mc:Choice>/g, '').replace(/<w:del\b[\s\S]*?<\/w:del>/g, '')
  const texts = [...visible.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((match) => match[1])
  return texts.join('')
    .replace(/&(?!(?:amp|lt|gt|quot|apos);)[\w#]+;/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, '')
}

t.test('the corpus has DOCX files that complete', async (t) => {
  t.ok(corpusDocx.length >= 6, `${corpusDocx.length} files`)
})

for (const entry of corpusDocx) {
  t.test(`${entry.file}: every character of the body once and in order, then its notes`, async (t) => {
    const text = await docxText(readCorpusFile(entry.file), entry.file)
    const expected = bodyCharacters(documentXml(entry.file))
    // Note references are the only text the extractor adds to the body.
    const read = text.replace(/\[\d+\]/g, '').replace(/\s+/g, '')
    t.ok(expected.length > 0)
    t.ok(read.startsWith(expected), 'the body comes first, whole and in order')
    const notes = read.slice(expected.length)
    t.equal(notes === '', !/\[\d+\]/.test(text), 'what follows the body are the notes, when there are references')
  })
}

t.test('paragraphs are separated by a blank line, list items by a line break', async (t) => {
  const various = await docxText(readCorpusFile('tika_testWORD_various.docx'))
  t.match(various, /Here is a list:\n\nBullet 1\nBullet 2\nBullet 3\n\nHere is a numbered list:\n\nNumber bullet 1\nNumber bullet 2\nNumber bullet 3\n\n/)
  t.match(various, /\n\nSuddenly some Japanese text:\n\nゾルゲと尾崎、/)
  const lists = await docxText(readCorpusFile('tika_testWORD_numbered_list.docx'))
  t.match(lists, /^This\nIs\nA multi\nLevel\n\n/, 'a multi-level list is one item per line')
  t.match(lists, /\n\nThis is another list\n\nyet\nanother\nlist\n\nIntervening paragraph\n\n/)
})

t.test('tables: cells separated by tabs, rows on lines, a cell\'s paragraphs joined by spaces', async (t) => {
  const various = await docxText(readCorpusFile('tika_testWORD_various.docx'))
  t.match(various, /\n\nRow 1 Col 1\tRow 1 Col 2\tRow 1 Col 3\nRow 2 Col 1\tRow 2 Col 2\tRow 2 Col 3\n\n/)
  const lists = await docxText(readCorpusFile('tika_testWORD_numbered_list.docx'))
  t.match(lists, /\n\nIntervening table\tWithin cell 1 Cell a Cell b\n\n/, 'a list inside a cell stays in its cell')
  const calendar = await docxText(readCorpusFile('poi_bib-chernigovka_17459.docx'))
  t.match(calendar, /\n1\t90 лет со дня рождения /, 'a calendar row: the day, a tab, the event')
})

t.test('a text box is read once, though Word stores it twice (the drawing and its fallback)', async (t) => {
  const various = await docxText(readCorpusFile('tika_testWORD_various.docx'))
  t.equal(various.split('Here is a text box').length - 1, 1)
})

t.test('footnotes: numbered references in the body, the notes after it in that order', async (t) => {
  const footnotes = await docxText(readCorpusFile('mammoth_footnotes.docx'))
  t.equal(footnotes, 'Ouch[1].[2]\n\n1. A tachyon walks into a bar.\n\n2. Fin.')
  const various = await docxText(readCorpusFile('tika_testWORD_various.docx'))
  t.match(various, /Footnote appears here\[1\]/)
  t.match(various, /\n\n1\. This is a footnote\.$/)
})

const wordHead = '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' +
  'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>'
const wordTail = '</w:body></w:document>'

function docxWithBody (body: string, extraParts: Array<[string, string]> = []): Buffer {
  return buildZip([...packageParts(), deflated('word/document.xml', `${wordHead}${body}${wordTail}`),
    ...extraParts.map(([name, xml]) => deflated(name, xml))])
}

t.test('tracked changes, fields, breaks and tab stops read as the document shows them', async (t) => {
  const body = '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>' +
    '<w:r><w:t>kept</w:t></w:r><w:del w:id="1"><w:r><w:delText>deleted</w:delText></w:r></w:del>' +
    '<w:ins w:id="2"><w:r><w:t xml:space="preserve"> inserted</w:t></w:r></w:ins></w:p>' +
    '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "http://example.com" </w:instrText></w:r>' +
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>the link text</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>' +
    '<w:p><w:r><w:t>one line</w:t><w:br/><w:t>next line</w:t><w:tab/><w:t>after a tab &amp; an entity &#x263A;</w:t></w:r></w:p>' +
    '<w:p/><w:p><w:r><w:t>   </w:t></w:r></w:p>' +
    '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:t>drawn</w:t></mc:Choice><mc:Fallback><w:t>fallback</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>'
  t.equal(await docxText(docxWithBody(body)),
    'kept inserted\n\nthe link text\n\none line\nnext line after a tab & an entity ☺\n\nfallback')
})

t.test('footnotes and endnotes are numbered together, in the order referenced', async (t) => {
  const notesPart = (kind: string, notes: Array<[string, string]>): string =>
    `<?xml version="1.0"?><w:${kind}s xmlns:w="x"><w:${kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:${kind}>` +
    notes.map(([id, text]) => `<w:${kind} w:id="${id}"><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:${kind}>`).join('') + `</w:${kind}s>`
  const body = '<w:p><w:r><w:t>A</w:t></w:r><w:r><w:endnoteReference w:id="5"/></w:r><w:r><w:t>B</w:t></w:r><w:r><w:footnoteReference w:id="2"/></w:r></w:p>'
  const bytes = docxWithBody(body, [
    ['word/footnotes.xml', notesPart('footnote', [['2', 'The footnote.']])],
    ['word/endnotes.xml', notesPart('endnote', [['5', 'The endnote.']])]
  ])
  t.equal(await docxText(bytes), 'A[1]B[2]\n\n1. The endnote.\n\n2. The footnote.')
})

t.test('XML the scanner cannot read makes the document corrupt, permanently', async (t) => {
  for (const body of ['<w:p><w:r><w:t>unclosed tag</w:t></w:r><w:p', '<w:p><!-- never closed', '<w:p a=unquoted></w:p>']) {
    const result = await settle(processDocument({ bytes: docxWithBody(body), filename: 'bad.docx', declaredType: docxType }, limits))
    t.type(result, ProcessingError, body)
    t.equal((result as ProcessingError).code, 'corrupt')
    t.match((result as ProcessingError).message, /^corrupt DOCX: /)
  }
})
