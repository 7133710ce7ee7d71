import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { createDocumentProcessor, defaultProcessingLimits, ProcessingError } from '../../src/processing/index.js'
import { corpusDir, readCorpusFile } from '../helpers/corpus.js'
import { waitFor } from '../helpers/context.js'
import { docxType, smallDocx } from '../helpers/docx-builder.js'
import { extractionProcessIds } from '../helpers/extraction-processes.js'
import { expectFailure, settle } from '../helpers/settle.js'

// A DOCX, so that it goes to an extraction process (small text is processed in the caller).
const small = { bytes: smallDocx('A short note that must still process.'), filename: 'note.docx', declaredType: docxType }

t.test('the defaults are the documented ones', async (t) => {
  t.same(defaultProcessingLimits, {
    timeoutMs: 30_000,
    maxMemoryMb: 512,
    maxPages: 2000,
    maxCharacters: 5_000_000,
    maxZipEntries: 5000,
    maxPartBytes: 8 * 1024 * 1024,
    maxUncompressedBytes: 16 * 1024 * 1024
  })
  t.throws(() => createDocumentProcessor({ timeoutMs: 0 }), /timeoutMs must be a positive integer/)
  t.throws(() => createDocumentProcessor({}, { processes: 0 }), /processes must be a positive integer/)
})

t.test('a job over the time limit is killed with a timeout, and its process is replaced', async (t) => {
  // 50 ms is far too little for a 14-page PDF; nothing in this test must succeed under it.
  const processor = createDocumentProcessor({ timeoutMs: 50 }, { processes: 1 })
  t.teardown(async () => { await processor.close() })
  processor.warmUp()
  await waitFor(async () => extractionProcessIds().length === 1 ? true : undefined, 'an extraction process')
  const [killed] = extractionProcessIds()
  const result = await settle(processor.process({ bytes: readCorpusFile('pdfjs_tracemonkey.pdf'), filename: 'tm.pdf', declaredType: null }))
  expectFailure(t, result, { code: 'timeout', message: 'processing took longer than PROCESSING_TIMEOUT_MS (50 ms)' })
  await waitFor(async () => extractionProcessIds().some((pid) => pid !== killed) ? true : undefined, 'a replacement process', 60_000)
  t.notOk(extractionProcessIds().includes(killed), 'the timed-out process was killed')
})

t.test('text over maxCharacters fails with limit_exceeded', async (t) => {
  const processor = createDocumentProcessor({ maxCharacters: 1000 })
  t.teardown(async () => { await processor.close() })
  const result = await settle(processor.process({ bytes: Buffer.from('word '.repeat(400)), filename: 'a.txt', declaredType: null }))
  expectFailure(t, result, { code: 'limit_exceeded', message: 'the extracted text has 1,999 characters, more than PROCESSING_MAX_CHARACTERS (1,000 characters)' })
  const pdf = await settle(processor.process({ bytes: readCorpusFile('pdfjs_tracemonkey.pdf'), filename: 'tm.pdf', declaredType: null }))
  expectFailure(t, pdf, { code: 'limit_exceeded', message: /^the extracted text has over [\d,]+ characters, more than PROCESSING_MAX_CHARACTERS \(1,000 characters\)$/ })
})

t.test('a PDF with more pages than maxPages fails with limit_exceeded', async (t) => {
  const processor = createDocumentProcessor({ maxPages: 10 })
  t.teardown(async () => { await processor.close() })
  const result = await settle(processor.process({ bytes: readCorpusFile('pdfjs_tracemonkey.pdf'), filename: 'tm.pdf', declaredType: null }))
  expectFailure(t, result, { code: 'limit_exceeded', message: 'the PDF has 14 pages, more than PROCESSING_MAX_PAGES (10 pages)' })
})

t.test('concurrent jobs on two processes each get their own result', async (t) => {
  const processor = createDocumentProcessor({}, { processes: 2 })
  t.teardown(async () => { await processor.close() })
  const inputs = Array.from({ length: 12 }, (_, i) => ({
    bytes: smallDocx(`Document number ${i} says hello.`),
    filename: `doc-${i}.docx`,
    declaredType: null
  }))
  const results = await Promise.all(inputs.map(async (input) => await processor.process(input)))
  t.same(results.map((result) => result.text), inputs.map((_, i) => `Document number ${i} says hello.`))
})

t.test('close() kills the processes and rejects later jobs', async (t) => {
  const processor = createDocumentProcessor()
  await processor.process(small)
  t.ok(extractionProcessIds().length > 0)
  await processor.close()
  t.same(extractionProcessIds(), [], 'no extraction process is left')
  const after = await settle(processor.process(small))
  t.type(after, ProcessingError)
  t.equal((after as ProcessingError).code, 'internal')
  t.equal((after as ProcessingError).permanent, false)
})

t.test('the processor works when the service runs under node --import tsx', async (t) => {
  const script = [
    "import { createDocumentProcessor } from './src/processing/index.ts'",
    "import { readFileSync } from 'node:fs'",
    'const processor = createDocumentProcessor()',
    'const bytes = readFileSync(process.argv[1])',
    "const result = await processor.process({ bytes, filename: 'wiki.pdf', declaredType: null })",
    'await processor.close()',
    'console.log(JSON.stringify({ type: result.detectedType, pages: result.metadata.pages, words: result.metadata.words }))'
  ].join('\n')
  const root = fileURLToPath(new URL('../../', import.meta.url))
  const env = { ...process.env }
  delete env.NODE_OPTIONS // tap's own loaders must not help the child
  const pdfPath = fileURLToPath(new URL('pdfjs_pdfjs_wikipedia.pdf', corpusDir))
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, pdfPath],
    { cwd: root, env, encoding: 'utf8', timeout: 60_000 })
  t.equal(child.status, 0, child.stderr)
  t.same(JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}'), { type: 'application/pdf', pages: 1, words: 301 })
})
