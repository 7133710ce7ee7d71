import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import iconv from 'iconv-lite'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import t from 'tap'
import { createDocumentProcessor, ProcessingError } from '../../src/processing/index.js'
import { waitFor } from '../helpers/context.js'
import { readCorpusFile } from '../helpers/corpus.js'
import { bombDocument, bombParagraph, buildZip, deflated, documentHead, documentTail, docxType, packageParts, smallDocx, type ZipFile } from '../helpers/docx-builder.js'
import { extractionProcessIds, residentMiB } from '../helpers/extraction-processes.js'
import { settle } from '../helpers/settle.js'

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

t.test('DOCX zip bombs fail with limit_exceeded before their parts are ever whole in memory', async (t) => {
  const gib = await bombDocument(1024 * 1024 * 1024)
  t.ok(gib.compressed.length < 2 * 1024 * 1024, `1 GiB zipped to ${gib.compressed.length} bytes`)
  // The file of the issue: 209 MB of paragraphs, under the old 200 MiB cap, that ran to the
  // time limit with more than 1 GB resident.
  const paragraphs = await bombDocument(209_000_000, bombParagraph)
  const cases: Array<[string, ZipFile, RegExp]> = [
    ['1 GiB, sizes declared', gib,
      /^the DOCX part word\/document\.xml declares 1,073,741,\d{3} bytes uncompressed, more than DOCX_MAX_PART_BYTES \(8,388,608 bytes\)$/],
    ['209 MB of paragraphs, sizes declared', paragraphs,
      /^the DOCX part word\/document\.xml declares 208,999,\d{3} bytes uncompressed, more than DOCX_MAX_PART_BYTES \(8,388,608 bytes\)$/],
    ['1 GiB declaring 10 KB', { ...gib, declaredSize: 10_000 },
      /^the DOCX archive lies about its sizes: word\/document\.xml inflates to more than the 10,000 bytes it declares$/],
    ['1 GiB declaring just under the part cap', { ...gib, declaredSize: 8 * 1024 * 1024 },
      /^the DOCX archive lies about its sizes: word\/document\.xml inflates to more than the 8,388,608 bytes it declares$/],
    ['209 MB of paragraphs declaring 10 KB', { ...paragraphs, declaredSize: 10_000 },
      /^the DOCX archive lies about its sizes: word\/document\.xml inflates to more than the 10,000 bytes it declares$/]
  ]
  // One extraction process of its own takes every bomb, then a normal document.
  const others = extractionProcessIds()
  const alone = createDocumentProcessor({}, { processes: 1 })
  t.teardown(async () => { await alone.close() })
  alone.warmUp()
  const pid = await waitFor(async () => extractionProcessIds().find((id) => !others.includes(id)), 'its extraction process')
  const rssBefore = process.memoryUsage().rss
  for (const [name, document, message] of cases) {
    const result = await settle(alone.process({ bytes: buildZip([...packageParts(), document]), filename: 'bomb.docx', declaredType: docxType }))
    t.type(result, ProcessingError, name)
    t.equal((result as ProcessingError).code, 'limit_exceeded', `${name}: limit_exceeded, never a timeout`)
    t.equal((result as ProcessingError).permanent, true, name)
    t.match((result as ProcessingError).message, message, name)
  }
  // The extraction process peaks at about 170 MB resident while it loads here; holding a
  // capped part (8 MiB) fits under 300 MB, holding any of these bombs whole would not.
  const peakMiB = residentMiB(pid, 'VmHWM')
  t.ok(peakMiB > 0 && peakMiB < 300, `extraction peak ${Math.round(peakMiB)} MiB`)
  const next = await alone.process({ bytes: smallDocx('After the bomb, a normal document.'), filename: 'next.docx', declaredType: docxType })
  t.equal(next.text, 'After the bomb, a normal document.', 'the same process takes the next document')
  t.ok(extractionProcessIds().includes(pid), 'no bomb cost the process its life')
  t.ok(process.memoryUsage().rss - rssBefore < 256 * 1024 * 1024, 'the caller never held the inflated bytes')
})

t.test('the XML parts of a DOCX count against the total cap, its media do not', async (t) => {
  const part = (name: string): ZipFile => deflated(name, `<x>${'y'.repeat(6 * 1024 * 1024)}</x>`)
  const tooMuch = buildZip([...packageParts(), deflated('word/document.xml', `${documentHead}x${documentTail}`),
    part('word/header1.xml'), part('word/header2.xml'), part('word/header3.xml')])
  const refused = await settle(processor.process({ bytes: tooMuch, filename: 'parts.docx', declaredType: docxType }))
  t.type(refused, ProcessingError)
  t.equal((refused as ProcessingError).code, 'limit_exceeded')
  t.match((refused as ProcessingError).message,
    /^the DOCX parts declare 18,87\d,\d{3} bytes uncompressed in all, more than DOCX_MAX_UNCOMPRESSED_BYTES \(16,777,216 bytes\)$/)
  const media = (name: string): ZipFile => ({ ...deflated(name, 'z'.repeat(1024)), declaredSize: 30 * 1024 * 1024 })
  const pictures = buildZip([...packageParts(), deflated('word/document.xml', `${documentHead}Words beside large pictures.${documentTail}`),
    media('word/media/image1.png'), media('word/media/image2.png'), media('word/media/image3.png')])
  const read = await processor.process({ bytes: pictures, filename: 'pictures.docx', declaredType: docxType })
  t.equal(read.text, 'Words beside large pictures.')
})

t.test('a DOCX with more entries than allowed fails before anything is inflated', async (t) => {
  const many = Array.from({ length: 5001 }, (_, i) => deflated(`word/media/part${i}.xml`, '<x/>'))
  const bytes = buildZip([...packageParts(), deflated('word/document.xml', `${documentHead}x${documentTail}`), ...many])
  const result = await settle(processor.process({ bytes, filename: 'many.docx', declaredType: docxType }))
  t.type(result, ProcessingError)
  t.equal((result as ProcessingError).code, 'limit_exceeded')
  t.equal((result as ProcessingError).message, 'the DOCX archive has 5,004 entries, more than DOCX_MAX_ENTRIES (5,000 entries)')
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
    const bytes = buildZip([...packageParts(), deflated('word/document.xml', xml), deflated('word/_rels/document.xml.rels', linkedImage)])
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
