import t from 'tap'
import { createDocumentProcessor } from '../../src/processing/index.js'
import type { DocumentInput } from '../../src/processing/index.js'
import { waitFor } from '../helpers/context.js'
import { readCorpusFile } from '../helpers/corpus.js'
import { extractionProcessIds } from '../helpers/extraction-processes.js'

function corpusInput (file: string): DocumentInput {
  return { bytes: readCorpusFile(file), filename: file, declaredType: null }
}

// A small PDF leaves a fresh process about where it started; pdf.js expands the ToUnicode
// CMaps of pdfjs_issue20232.pdf over all of Unicode, which leaves a compiled process more than
// 48 MiB above its start, past the pool's bound between documents. A process run from the
// TypeScript sources starts larger and grows less (about 46 MiB for the first pass, measured):
// it may take a second pass to go past the bound.
const small = corpusInput('pdfjs_helloworld-bad.pdf')
const heavy = corpusInput('pdfjs_issue20232.pdf')
const docx = corpusInput('mammoth_tables.docx')
const heavyPasses = 4

/** The pool's one extraction process, once a killed one is gone. */
async function onlyProcess (): Promise<number> {
  const [pid] = await waitFor(async () => {
    const pids = extractionProcessIds()
    return pids.length === 1 ? pids : undefined
  }, 'one extraction process')
  return pid
}

t.test('a process a heavy PDF left above the memory bound is replaced, and the next document runs in its successor', async (t) => {
  const processor = createDocumentProcessor({}, { processes: 1 })
  t.teardown(async () => { await processor.close() })
  processor.warmUp()
  const first = await onlyProcess()

  t.match((await processor.process(small)).text, /Hello/, 'the small PDF is read')
  t.equal(await onlyProcess(), first, 'a small PDF leaves the process in place')

  let current = first
  for (let pass = 1; current === first && pass <= heavyPasses; pass++) {
    t.match((await processor.process(heavy)).text, /Масса/, `the heavy PDF is read (pass ${pass})`)
    t.match((await processor.process(docx)).text, /Top left/, 'and the document after it')
    current = await onlyProcess()
  }
  t.not(current, first, `the process was replaced within ${heavyPasses} passes of the heavy PDF`)

  t.match((await processor.process(docx)).text, /Top left/, 'the next document is processed')
  t.equal(await onlyProcess(), current, 'by the process that replaced it')
})
