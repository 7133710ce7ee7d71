import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib'
import iconv from 'iconv-lite'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import t from 'tap'
import { createDocumentProcessor, ProcessingError } from '../../src/processing/index.js'
import { readCorpusFile } from '../helpers/corpus.js'
import { settle } from '../helpers/settle.js'

const docxType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'

interface ZipFile {
  name: string
  /** Deflated bytes. */
  compressed: Buffer
  crc: number
  size: number
  /** Size written into the headers; differs from `size` in a lying archive. */
  declaredSize?: number
}

function deflated (name: string, text: string): ZipFile {
  const data = Buffer.from(text, 'utf8')
  return { name, compressed: deflateRawSync(data), crc: crc32(data), size: data.length }
}

/** Builds a ZIP of deflated entries with a correct central directory. */
function buildZip (files: ZipFile[]): Buffer {
  const parts: Buffer[] = []
  const directory: Buffer[] = []
  let offset = 0
  for (const file of files) {
    const name = Buffer.from(file.name)
    const size = file.declaredSize ?? file.size
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(8, 8)
    local.writeUInt32LE(file.crc >>> 0, 14)
    local.writeUInt32LE(file.compressed.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(8, 10)
    central.writeUInt32LE(file.crc >>> 0, 16)
    central.writeUInt32LE(file.compressed.length, 20)
    central.writeUInt32LE(size, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    parts.push(local, name, file.compressed)
    directory.push(central, name)
    offset += local.length + name.length + file.compressed.length
  }
  const directoryBytes = Buffer.concat(directory)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(directoryBytes.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...parts, directoryBytes, end])
}

const contentTypes = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
const packageRels = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
const documentHead = '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t xml:space="preserve">'
const documentTail = '</w:t></w:r></w:p></w:body></w:document>'

function smallDocx (text: string): Buffer {
  return buildZip([
    deflated('[Content_Types].xml', contentTypes),
    deflated('_rels/.rels', packageRels),
    deflated('word/document.xml', `${documentHead}${text}${documentTail}`)
  ])
}

/** word/document.xml holding `gib` GiB of spaces, deflated as a stream (about 1 MB per GiB). */
async function bombDocument (gib: number): Promise<ZipFile> {
  const spaces = Buffer.alloc(16 * 1024 * 1024, 0x20)
  const deflate = createDeflateRaw({ level: 9 })
  const out: Buffer[] = []
  deflate.on('data', (chunk: Buffer) => out.push(chunk))
  const head = Buffer.from(documentHead)
  const tail = Buffer.from(documentTail)
  let crc = crc32(head)
  let size = head.length
  deflate.write(head)
  for (let i = 0; i < gib * 64; i++) {
    crc = crc32(spaces, crc)
    size += spaces.length
    if (!deflate.write(spaces)) await once(deflate, 'drain')
  }
  crc = crc32(tail, crc)
  size += tail.length
  deflate.end(tail)
  await once(deflate, 'end')
  return { name: 'word/document.xml', compressed: Buffer.concat(out), crc, size }
}

async function textPdf (pages: number, linesPerPage: number): Promise<Buffer> {
  const pdf = await PDFDocument.create()
  const font = await pdf.embedFont(StandardFonts.Helvetica)
  for (let number = 1; number <= pages; number++) {
    const page = pdf.addPage([612, 792])
    for (let line = 0; line < linesPerPage; line++) {
      page.drawText(`Page ${number} line ${line}: the quick brown fox jumps over the lazy dog again.`,
        { x: 40, y: 760 - line * 14, size: 9, font })
    }
  }
  return Buffer.from(await pdf.save())
}

const processor = createDocumentProcessor()
t.teardown(async () => { await processor.close() })

t.test('a 300-page PDF reports 300 pages and chunks that stay on their page', async (t) => {
  const bytes = await textPdf(300, 30)
  const result = await processor.process({ bytes, filename: 'long.pdf', declaredType: 'application/pdf' })
  t.equal(result.metadata.pages, 300)
  t.equal(result.metadata.needsOcr, false)
  t.same([...new Set(result.chunks.map((chunk) => chunk.page))], Array.from({ length: 300 }, (_, i) => i + 1), 'every page has chunks, in order')
  t.ok(result.chunks.length > 300, 'pages of 2,000+ characters are split')
  const strays = result.chunks.filter((chunk) =>
    [...chunk.text.matchAll(/Page (\d+) line/g)].some((match) => Number(match[1]) !== chunk.page))
  t.same(strays, [], 'no chunk holds text of another page')
  t.ok(result.chunks.every((chunk, index) => chunk.ordinal === index && chunk.text.length <= 1500))
})

t.test('a DOCX zip bomb (1 GiB of spaces in word/document.xml) fails with limit_exceeded', async (t) => {
  const document = await bombDocument(1)
  t.ok(document.compressed.length < 2 * 1024 * 1024, `zipped to ${document.compressed.length} bytes`)
  const files = [deflated('[Content_Types].xml', contentTypes), deflated('_rels/.rels', packageRels)]
  const honest = buildZip([...files, document])
  const rssBefore = process.memoryUsage().rss

  const declared = await settle(processor.process({ bytes: honest, filename: 'bomb.docx', declaredType: docxType }))
  t.type(declared, ProcessingError)
  t.equal((declared as ProcessingError).code, 'limit_exceeded')
  t.equal((declared as ProcessingError).permanent, true)
  t.match((declared as ProcessingError).message, /^DOCX archive exceeds 209715200 bytes uncompressed/)

  // The same bytes with headers that claim 10 KB: the inflate cap catches the lie.
  const lying = buildZip([...files, { ...document, declaredSize: 10_000 }])
  const lied = await settle(processor.process({ bytes: lying, filename: 'bomb.docx', declaredType: docxType }))
  t.type(lied, ProcessingError)
  t.equal((lied as ProcessingError).code, 'limit_exceeded')
  t.match((lied as ProcessingError).message, /lies about its sizes/)

  t.ok(process.memoryUsage().rss - rssBefore < 512 * 1024 * 1024, 'the caller never held the inflated bytes')
  const next = await processor.process({ bytes: smallDocx('After the bomb, a normal document.'), filename: 'next.docx', declaredType: docxType })
  t.equal(next.text, 'After the bomb, a normal document.')
})

t.test('a DOCX with more entries than allowed fails before anything is inflated', async (t) => {
  const many = Array.from({ length: 5001 }, (_, i) => deflated(`word/media/part${i}.xml`, '<x/>'))
  const bytes = buildZip([deflated('[Content_Types].xml', contentTypes), deflated('_rels/.rels', packageRels),
    deflated('word/document.xml', `${documentHead}x${documentTail}`), ...many])
  const result = await settle(processor.process({ bytes, filename: 'many.docx', declaredType: docxType }))
  t.type(result, ProcessingError)
  t.equal((result as ProcessingError).code, 'limit_exceeded')
  t.match((result as ProcessingError).message, /^DOCX archive exceeds 5000 entries/)
})

t.test('the first half of pdfjs_tracemonkey.pdf fails as corrupt', async (t) => {
  // Cutting the file loses every trailer, and pdf.js's reconstruction finds no catalog
  // ("Invalid PDF structure"), so there is no partial text to return: corrupt, permanent.
  const whole = readCorpusFile('pdfjs_tracemonkey.pdf')
  const result = await settle(processor.process({ bytes: whole.subarray(0, whole.length / 2), filename: 'half.pdf', declaredType: 'application/pdf' }))
  t.type(result, ProcessingError)
  t.equal((result as ProcessingError).code, 'corrupt')
  t.equal((result as ProcessingError).permanent, true)
  t.match((result as ProcessingError).message, /^corrupt PDF: /)
})

t.test('extensions and declared types that lie do not decide the type', async (t) => {
  const pdf = await textPdf(1, 3)
  const asText = await processor.process({ bytes: pdf, filename: 'notes.txt', declaredType: 'text/plain' })
  t.equal(asText.detectedType, 'application/pdf')
  t.match(asText.text, /Page 1 line 0: the quick brown fox/)
  const html = Buffer.from('<!DOCTYPE html><html><head><title>Not a PDF</title></head><body><h1>Hello</h1><p>Plain HTML named .pdf.</p></body></html>')
  const asPdf = await processor.process({ bytes: html, filename: 'report.pdf', declaredType: 'application/pdf' })
  t.equal(asPdf.detectedType, 'text/html')
  t.equal(asPdf.text, 'Hello\n\nPlain HTML named .pdf.')
  t.equal(asPdf.metadata.title, 'Not a PDF')
  const docxAsMarkdown = await processor.process({ bytes: smallDocx('Zipped words.'), filename: 'readme.md', declaredType: 'text/markdown' })
  t.equal(docxAsMarkdown.detectedType, docxType)
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex')
  const image = await settle(processor.process({ bytes: png, filename: 'scan.txt', declaredType: 'text/plain' }))
  t.type(image, ProcessingError)
  t.equal((image as ProcessingError).code, 'unsupported_type')
  t.equal((image as ProcessingError).message, 'unsupported media type image/png')
})

const russian = 'Съешь же ещё этих мягких французских булок, да выпей чаю. ' +
  'В чащах юга жил бы цитрус? Да, но фальшивый экземпляр! ' +
  'Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства.'

t.test('HTML in windows-1251 decodes with and without a meta charset', async (t) => {
  for (const meta of ['<meta charset="windows-1251">', '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', '']) {
    const html = `<html><head>${meta}<title>Проверка кодировки</title></head><body><p>${russian}</p></body></html>`
    const result = await processor.process({ bytes: iconv.encode(html, 'windows-1251'), filename: 'ru.html', declaredType: 'text/html' })
    t.equal(result.metadata.encoding, 'windows-1251', meta === '' ? 'detected' : 'declared')
    t.equal(result.text, russian)
    t.equal(result.metadata.title, 'Проверка кодировки')
    t.equal(result.metadata.language, 'rus')
    t.notMatch(result.text, /\uFFFD/)
  }
})

t.test('a PDF page with only a drawn rectangle needs OCR', async (t) => {
  const pdf = await PDFDocument.create()
  pdf.addPage([300, 300]).drawRectangle({ x: 20, y: 20, width: 200, height: 100 })
  const result = await processor.process({ bytes: Buffer.from(await pdf.save()), filename: 'blank.pdf', declaredType: null })
  t.equal(result.detectedType, 'application/pdf')
  t.equal(result.metadata.pages, 1)
  t.equal(result.metadata.words, 0)
  t.equal(result.metadata.needsOcr, true)
  t.equal(result.text, '')
  t.same(result.chunks, [])
})

t.test('plain text: UTF-16BE with BOM, NULs and control characters are cleaned', async (t) => {
  const utf16be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('Grüße aus Köln', 'utf16le').swap16()])
  const be = await processor.process({ bytes: utf16be, filename: 'be.txt', declaredType: null })
  t.equal(be.metadata.encoding, 'utf-16be')
  t.equal(be.text, 'Grüße aus Köln')
  const messy = Buffer.from('  first line\u0000\r\n\r\n\r\n\r\nsecond\u0007 line\t \n\n\n\nthird  ')
  const clean = await processor.process({ bytes: messy, filename: 'messy.txt', declaredType: null })
  t.equal(clean.text, 'first line\n\nsecond line\n\nthird')
  const decomposed = await processor.process({ bytes: Buffer.from('Cafe\u0301 ﬁne'), filename: 'nfc.txt', declaredType: null })
  t.equal(decomposed.text, 'Caf\u00e9 ﬁne', 'NFC composes, ligatures stay (no NFKC)')
})

t.test('nothing is fetched: XXE, external DTDs, linked images and HTML resources stay unrequested', async (t) => {
  let connections = 0
  const server = createServer((_request, response) => { response.end('FETCHED') })
  server.on('connection', () => { connections++ })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const entity = `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE d [<!ENTITY x SYSTEM "${base}/entity">]>` +
    documentHead.replace('<?xml version="1.0" encoding="UTF-8"?>', '') + 'before &x; after' + documentTail
  const externalDtd = `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE d SYSTEM "${base}/dtd">` +
    documentHead.replace('<?xml version="1.0" encoding="UTF-8"?>', '') + 'with a remote DTD' + documentTail
  const linkedImage = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    `<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="${base}/image.png" TargetMode="External"/></Relationships>`
  for (const [name, xml] of [['entity', entity], ['dtd', externalDtd]] as const) {
    const bytes = buildZip([deflated('[Content_Types].xml', contentTypes), deflated('_rels/.rels', packageRels),
      deflated('word/document.xml', xml), deflated('word/_rels/document.xml.rels', linkedImage)])
    const result = await settle(processor.process({ bytes, filename: `${name}.docx`, declaredType: docxType }))
    if (result instanceof ProcessingError) {
      t.equal(result.code, 'corrupt', `${name}: a clean permanent failure`)
    } else {
      t.notMatch(result.text, /FETCHED/, `${name}: no fetched content`)
      t.match(result.text, name === 'entity' ? /^before\s+after$/ : /^with a remote DTD$/)
    }
  }
  const html = `<html><head><link rel="stylesheet" href="${base}/style.css"><script src="${base}/app.js"></script></head>` +
    `<body><img src="${base}/pixel.png"><iframe src="${base}/frame"></iframe><p>Only this.</p></body></html>`
  const page = await processor.process({ bytes: Buffer.from(html), filename: 'page.html', declaredType: 'text/html' })
  t.equal(page.text, 'Only this.')
  t.equal(connections, 0, 'no connection reached the listener')
})

t.test('hostile Markdown, HTML and text patterns finish well within the time limit', async (t) => {
  // Each of these once made a regex or Intl.Segmenter quadratic (minutes of CPU); the
  // processor's 30 s limit would turn that into a timeout.
  const cases: Array<[string, string]> = [
    ['stars.md', '# T\n\n' + '*a **b '.repeat(200_000)],
    ['images.md', '# T\n\n- x\n' + '![a](b '.repeat(200_000)],
    ['brackets.md', '# T\n\n- x\n' + '[a '.repeat(300_000)],
    ['backticks.md', '# T\n\n' + 'a ` b `` c '.repeat(100_000)],
    ['scripts.html', '<html><head>' + '<script>x'.repeat(200_000)],
    ['titles.html', '<html><head>' + '<title '.repeat(200_000)],
    ['spaces.txt', 'x' + ' '.repeat(2_000_000) + 'y'],
    ['lines.txt', 'a: b\n'.repeat(200_000)],
    ['cjk.txt', '关于红军作战的原则'.repeat(50_000)]
  ]
  for (const [filename, text] of cases) {
    const result = await settle(processor.process({ bytes: Buffer.from(text), filename, declaredType: null }))
    t.notOk(result instanceof ProcessingError, `${filename}: ${result instanceof ProcessingError ? result.message : 'completed'}`)
  }
})
