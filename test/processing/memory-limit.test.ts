import t, { type Test } from 'tap'
import { createDocumentProcessor, ProcessingError } from '../../src/processing/index.js'
import type { DocumentInput, ProcessedDocument, ProcessingLimits } from '../../src/processing/index.js'
import { waitFor } from '../helpers/context.js'
import { docxType, smallDocx } from '../helpers/docx-builder.js'
import { extractionProcessIds } from '../helpers/extraction-processes.js'
import { contentStreamBombPdf } from '../helpers/pdf-bomb.js'
import { expectFailure, settle } from '../helpers/settle.js'

// A DOCX: small text would be processed in the caller (in-process-extraction.ts), not queued
// behind the job in the extraction process.
const small = { bytes: smallDocx('A short note that must still process.'), filename: 'note.docx', declaredType: docxType }
// The limit of these tests: a process loading the parsers from the TypeScript sources (tsx)
// peaks close to 128 MB on a busy machine, which failed the load itself now and then.
const LIMIT_MB = 192
// pdf.js needs far more than 192 MB to decode this, and all of it outside the V8 heap.
const pdfBomb = await contentStreamBombPdf(1024 * 1024 * 1024)

/**
 * A job over a limit fails permanently with `expected`, its process is killed and replaced,
 * and a job queued behind it on the same processor still runs.
 */
async function overLimitThenNext (t: Test, limits: Partial<ProcessingLimits>, input: DocumentInput, expected: { code: string, message: string | RegExp }): Promise<void> {
  const processor = createDocumentProcessor(limits, { processes: 1 })
  t.teardown(async () => { await processor.close() })
  processor.warmUp()
  await waitFor(async () => extractionProcessIds().length === 1 ? true : undefined, 'an extraction process')
  const [killed] = extractionProcessIds()
  const [result, next] = await Promise.all([settle(processor.process(input)), settle(processor.process(small))])
  expectFailure(t, result, expected)
  t.equal((next as ProcessedDocument).text, 'A short note that must still process.', 'the job queued behind it runs')
  t.notOk(extractionProcessIds().includes(killed), 'the process that ran the job is gone')
  t.equal(extractionProcessIds().length, 1, 'a fresh process took its place')
}

t.test('a job over the heap ceiling fails with limit_exceeded, and the job queued behind it runs', async (t) => {
  // A DOM of a million elements lives on the V8 heap.
  const big = Buffer.from(`<html><body>${'<p>x</p>'.repeat(1_000_000)}</body></html>`)
  await overLimitThenNext(t, { maxMemoryMb: LIMIT_MB },
    { bytes: big, filename: 'big.html', declaredType: 'text/html' },
    { code: 'limit_exceeded', message: 'processing needed more memory than PROCESSING_MAX_MEMORY_MB (192 MB)' })
})

t.test('a PDF whose extraction allocates 1 GB off the heap fails with limit_exceeded under a 192 MB limit, and the next job runs', async (t) => {
  // pdf.js holds the decoded content stream in a typed array, outside the heap ceiling: before
  // the resident-memory limit this document ran to the time limit with 800 MB resident.
  const rssBefore = process.memoryUsage().rss
  await overLimitThenNext(t, { maxMemoryMb: LIMIT_MB },
    { bytes: pdfBomb, filename: 'bomb.pdf', declaredType: 'application/pdf' },
    { code: 'limit_exceeded', message: 'processing needed more memory than PROCESSING_MAX_MEMORY_MB (192 MB)' })
  t.ok(process.memoryUsage().rss - rssBefore < 256 * 1024 * 1024, 'the caller never held the decoded stream')
})

t.test('an extraction process that cannot load the parsers under the memory limit fails the jobs as internal', async (t) => {
  const processor = createDocumentProcessor({ maxMemoryMb: 8 }, { processes: 1 })
  t.teardown(async () => { await processor.close() })
  const result = await settle(processor.process(small))
  t.type(result, ProcessingError)
  t.equal((result as ProcessingError).code, 'internal')
  t.equal((result as ProcessingError).permanent, false)
  t.equal((result as ProcessingError).message, 'an extraction process needs more memory than PROCESSING_MAX_MEMORY_MB (8 MB) to load the parsers')
})
