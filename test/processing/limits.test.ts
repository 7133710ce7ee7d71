import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { createDocumentProcessor, defaultProcessingLimits, ProcessingError } from '../../src/processing/index.js'
import type { DocumentInput, ProcessedDocument, ProcessingLimits } from '../../src/processing/index.js'
import { corpusDir, readCorpusFile } from '../helpers/corpus.js'
import { settle } from '../helpers/settle.js'

const small = { bytes: Buffer.from('A short note that must still process.'), filename: 'note.txt', declaredType: 'text/plain' }

t.test('the defaults are the documented ones', async (t) => {
  t.same(defaultProcessingLimits, {
    timeoutMs: 30_000,
    maxMemoryMb: 512,
    maxPages: 2000,
    maxCharacters: 5_000_000,
    maxZipEntries: 5000,
    maxUncompressedBytes: 200 * 1024 * 1024
  })
  t.throws(() => createDocumentProcessor({ timeoutMs: 0 }), /timeoutMs must be a positive integer/)
  t.throws(() => createDocumentProcessor({}, { threads: 0 }), /threads must be a positive integer/)
})

/** A job over a thread limit fails permanently with `expected`, and the same processor then runs the next job. */
async function overLimitThenNext (t: Test, limits: Partial<ProcessingLimits>, input: DocumentInput, expected: { code: string, message: string }): Promise<void> {
  const processor = createDocumentProcessor(limits)
  t.teardown(async () => { await processor.close() })
  const result = await settle(processor.process(input))
  t.type(result, ProcessingError)
  t.equal((result as ProcessingError).code, expected.code)
  t.equal((result as ProcessingError).permanent, true)
  t.equal((result as ProcessingError).message, expected.message)
  const next = await processor.process(small)
  t.equal(next.text, 'A short note that must still process.')
}

t.test('a job over the time limit is killed with a timeout, and the next job runs', async (t) => {
  await overLimitThenNext(t, { timeoutMs: 50 },
    { bytes: readCorpusFile('pdfjs_tracemonkey.pdf'), filename: 'tm.pdf', declaredType: null },
    { code: 'timeout', message: 'processing exceeded the time limit of 50 ms' })
})

t.test('a job over the memory limit fails with limit_exceeded, and the next job runs', async (t) => {
  // Large decoded strings live outside the V8 heap, so plain text would not hit the ceiling;
  // a DOM of a million elements does.
  const big = Buffer.from(`<html><body>${'<p>x</p>'.repeat(1_000_000)}</body></html>`)
  await overLimitThenNext(t, { maxMemoryMb: 64 },
    { bytes: big, filename: 'big.html', declaredType: 'text/html' },
    { code: 'limit_exceeded', message: 'processing exceeded the memory limit of 64 MB' })
})

t.test('text over maxCharacters fails with limit_exceeded', async (t) => {
  const processor = createDocumentProcessor({ maxCharacters: 1000 })
  t.teardown(async () => { await processor.close() })
  const result = await settle(processor.process({ bytes: Buffer.from('word '.repeat(400)), filename: 'a.txt', declaredType: null }))
  t.type(result, ProcessingError)
  t.equal((result as ProcessingError).code, 'limit_exceeded')
  t.equal((result as ProcessingError).message, 'extracted text exceeds the limit of 1000 characters')
  const pdf = await settle(processor.process({ bytes: readCorpusFile('pdfjs_tracemonkey.pdf'), filename: 'tm.pdf', declaredType: null }))
  t.equal((pdf as ProcessingError).code, 'limit_exceeded')
})

t.test('a PDF with more pages than maxPages fails with limit_exceeded', async (t) => {
  const processor = createDocumentProcessor({ maxPages: 10 })
  t.teardown(async () => { await processor.close() })
  const result = await settle(processor.process({ bytes: readCorpusFile('pdfjs_tracemonkey.pdf'), filename: 'tm.pdf', declaredType: null }))
  t.type(result, ProcessingError)
  t.equal((result as ProcessingError).code, 'limit_exceeded')
  t.equal((result as ProcessingError).message, 'PDF has 14 pages, more than the limit of 10')
})

t.test('concurrent jobs on two threads each get their own result', async (t) => {
  const processor = createDocumentProcessor({}, { threads: 2 })
  t.teardown(async () => { await processor.close() })
  const inputs = Array.from({ length: 12 }, (_, i) => ({
    bytes: Buffer.from(`Document number ${i} says hello.`),
    filename: `doc-${i}.txt`,
    declaredType: null
  }))
  const results = await Promise.all(inputs.map(async (input) => await processor.process(input)))
  t.same(results.map((result) => result.text), inputs.map((_, i) => `Document number ${i} says hello.`))
})

t.test('a timeout in one job does not fail the jobs queued behind it', async (t) => {
  const processor = createDocumentProcessor({ timeoutMs: 50 }, { threads: 1 })
  t.teardown(async () => { await processor.close() })
  const slow = settle(processor.process({ bytes: readCorpusFile('pdfjs_tracemonkey.pdf'), filename: 'tm.pdf', declaredType: null }))
  const queued = settle(processor.process(small))
  t.equal((await slow as ProcessingError).code, 'timeout')
  t.equal((await queued as ProcessedDocument).text, 'A short note that must still process.')
})

t.test('close() terminates the threads and rejects later jobs', async (t) => {
  const processor = createDocumentProcessor()
  await processor.process(small)
  await processor.close()
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
