import t from 'tap'
import { createDocumentProcessor } from '../../src/processing/index.js'
import type { DocumentInput } from '../../src/processing/index.js'
import { waitFor } from '../helpers/context.js'
import { readCorpusFile } from '../helpers/corpus.js'
import { extractionProcessIds } from '../helpers/extraction-processes.js'

function corpusInput (file: string): DocumentInput {
  return { bytes: readCorpusFile(file), filename: file, declaredType: null }
}

// A small PDF leaves a fresh process about where it started; pdf.js expands the ToUnicode CMaps
// of pdfjs_issue20232.pdf over all of Unicode, which leaves 80 MiB or more of private memory
// behind, well above the pool's bound between documents.
const small = corpusInput('pdfjs_helloworld-bad.pdf')
const heavy = corpusInput('pdfjs_issue20232.pdf')
const docx = corpusInput('mammoth_tables.docx')

t.test('a process left above the memory bound by a heavy PDF is replaced, and the next document runs in its successor', async (t) => {
  const processor = createDocumentProcessor({}, { processes: 1 })
  t.teardown(async () => { await processor.close() })
  processor.warmUp()
  const [first] = await waitFor(async () => extractionProcessIds().length === 1 ? extractionProcessIds() : undefined, 'an extraction process')

  t.match((await processor.process(small)).text, /Hello/, 'the small PDF is read')
  t.same(extractionProcessIds(), [first], 'a small PDF leaves the process in place')

  t.match((await processor.process(heavy)).text, /Масса/, 'the heavy PDF is read')
  const [second] = await waitFor(async () => {
    const pids = extractionProcessIds()
    return pids.length === 1 && pids[0] !== first ? pids : undefined
  }, 'the process that read the heavy PDF to be replaced')

  t.match((await processor.process(docx)).text, /Top left/, 'the next document is processed')
  t.same(extractionProcessIds(), [second], 'by the process that replaced it')
})
