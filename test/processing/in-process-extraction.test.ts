import iconv from 'iconv-lite'
import t from 'tap'
import { ExtractionPool } from '../../src/processing/extraction-pool.js'
import { inProcessMaxBytes } from '../../src/processing/in-process-extraction.js'
import { createDocumentProcessor, defaultProcessingLimits, ProcessingError, type DocumentInput } from '../../src/processing/index.js'
import { waitFor } from '../helpers/context.js'
import { extractionProcessIds } from '../helpers/extraction-processes.js'
import { expectFailure, settle } from '../helpers/settle.js'

const prose = 'The committee reviewed the quarterly budget before the end of the month, and the team agreed. '
const inputs: Record<string, DocumentInput> = {
  text: { bytes: Buffer.from(prose.repeat(100)), filename: 'notes.txt', declaredType: 'text/plain' },
  markdown: { bytes: Buffer.from(`---\ntitle: Budget\nauthor: Ana\n---\n# Budget\n\n${prose}\n\n- one\n- two\n\n\`code\` and **bold**\n`), filename: 'budget.md', declaredType: null },
  html: { bytes: Buffer.from(`<!doctype html><html><head><title>Budget</title><meta name="author" content="Ana"></head><body><p>${prose}</p><script>x()</script></body></html>`), filename: 'budget.html', declaredType: 'text/html' },
  legacy: { bytes: iconv.encode(`Le comité a examiné le budget trimestriel à la fin du mois. ${'Les équipes étaient d’accord. '.repeat(20)}`, 'windows-1252'), filename: 'budget.txt', declaredType: null }
}

t.test('small text, Markdown and HTML are processed without an extraction process, as one would', async (t) => {
  // No warm-up: a process would only start for a job given to one.
  const processor = createDocumentProcessor({}, { processes: 1 })
  const pool = new ExtractionPool(defaultProcessingLimits, 1)
  t.teardown(async () => { await Promise.all([processor.close(), pool.close()]) })
  const before = extractionProcessIds()
  const results = new Map<string, unknown>()
  for (const [name, input] of Object.entries(inputs)) {
    results.set(name, await processor.process(input))
    t.same(extractionProcessIds(), before, `${name}: no extraction process started`)
  }
  for (const [name, input] of Object.entries(inputs)) {
    t.same(results.get(name), await pool.run(input), `${name}: the same result as from an extraction process`)
  }
  t.equal((await processor.process(inputs.markdown)).metadata.title, 'Budget', 'the metadata comes through')
})

t.test('larger text and other formats still go to an extraction process', async (t) => {
  const processor = createDocumentProcessor({}, { processes: 1 })
  t.teardown(async () => { await processor.close() })
  const before = extractionProcessIds()
  const large = Buffer.from(prose.repeat(Math.ceil((inProcessMaxBytes + 1) / prose.length)))
  t.ok(large.length > inProcessMaxBytes)
  const result = await processor.process({ bytes: large, filename: 'large.txt', declaredType: 'text/plain' })
  t.equal(result.metadata.detectedType, 'text/plain')
  t.equal(result.metadata.characters, large.length - 1, 'the text, without its trailing space')
  await waitFor(async () => extractionProcessIds().length > before.length ? true : undefined, 'an extraction process for the large text')
})

t.test('the limits hold in-process: characters, time, a parser\'s exception, a closed processor', async (t) => {
  const capped = createDocumentProcessor({ maxCharacters: 1000 })
  t.teardown(async () => { await capped.close() })
  expectFailure(t, await settle(capped.process(inputs.text)), {
    code: 'limit_exceeded', message: 'the extracted text has 9,399 characters, more than PROCESSING_MAX_CHARACTERS (1,000 characters)'
  })

  // Identifying a legacy charset in 32 KB takes far longer than 1 ms on any machine: the job is
  // not killed here, but it fails as if it had been.
  const hurried = createDocumentProcessor({ timeoutMs: 1 })
  t.teardown(async () => { await hurried.close() })
  const slow = iconv.encode('é'.repeat(inProcessMaxBytes), 'windows-1252')
  expectFailure(t, await settle(hurried.process({ bytes: slow, filename: 'slow.txt', declaredType: null })), {
    code: 'timeout', message: 'processing took longer than PROCESSING_TIMEOUT_MS (1 ms)'
  })

  // Thousands of unclosed elements nest deeper than the HTML parser's recursion allows.
  const processor = createDocumentProcessor()
  const nested = Buffer.from(`<html><body>${'<div>'.repeat((inProcessMaxBytes - 20) / 5)}`)
  const broken = await settle(processor.process({ bytes: nested, filename: 'nested.html', declaredType: null }))
  t.type(broken, ProcessingError)
  t.equal((broken as ProcessingError).code, 'internal', 'an exception of the parser is an internal failure')
  t.match((broken as ProcessingError).message, /^internal processing error: /)

  await processor.close()
  const closed = await settle(processor.process(inputs.text))
  t.type(closed, ProcessingError)
  t.equal((closed as ProcessingError).message, 'document processor is closed', 'a closed processor takes no job, however small')
})
