import { createDocumentProcessor, ProcessingError } from '../src/processing/index.js'
import { bombDocument, bombParagraph, buildZip, docxType, packageParts, smallDocx } from '../test/helpers/docx-builder.js'
import { extractionProcessIds, residentMiB } from '../test/helpers/extraction-processes.js'

// What DOCX zip bombs cost the processor: outcome, time, the peak resident memory of this
// process and of its extraction child processes (sampled every 10 ms from /proc, Linux only;
// the sum over the children when several run at once). Run alone:
// `node --import tsx bench/extraction-bomb.ts`. Prints one JSON line per case.

const mib = 1024 * 1024
const paragraphs = await bombDocument(209 * 1000 * 1000, bombParagraph)
const spaces = await bombDocument(1024 * mib)
const cases = [
  { name: '209 MB of paragraphs, honest sizes', bytes: [buildZip([...packageParts(), paragraphs])] },
  { name: '209 MB of paragraphs, sizes declared as 10 KB', bytes: [buildZip([...packageParts(), { ...paragraphs, declaredSize: 10_000 }])] },
  { name: '1 GiB of spaces, sizes declared as 10 KB', bytes: [buildZip([...packageParts(), { ...spaces, declaredSize: 10_000 }])] },
  { name: 'two 209 MB bombs at once, honest sizes', bytes: [buildZip([...packageParts(), paragraphs]), buildZip([...packageParts(), paragraphs])] }
]

for (const bombCase of cases) {
  const processor = createDocumentProcessor({}, { processes: 2 })
  processor.warmUp()
  await processor.process({ bytes: smallDocx('warm'), filename: 'warm.docx', declaredType: docxType })
  let extractionPeak = 0
  let parentPeak = 0
  const sampler = setInterval(() => {
    const total = extractionProcessIds().reduce((sum, pid) => sum + residentMiB(pid), 0)
    extractionPeak = Math.max(extractionPeak, total)
    parentPeak = Math.max(parentPeak, residentMiB(process.pid))
  }, 10)
  const started = performance.now()
  const outcomes = await Promise.all(bombCase.bytes.map(async (bytes) => {
    try {
      await processor.process({ bytes, filename: 'bomb.docx', declaredType: docxType })
      return 'completed'
    } catch (err) {
      if (!(err instanceof ProcessingError)) throw err
      return `${err.code}: ${err.message}`
    }
  }))
  const seconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  const next = await processor.process({ bytes: smallDocx('after the bomb'), filename: 'next.docx', declaredType: docxType })
  await processor.close()
  process.stdout.write(JSON.stringify({
    case: bombCase.name,
    zippedKiB: Math.round(bombCase.bytes[0].length / 1024),
    outcomes,
    seconds: Number(seconds.toFixed(2)),
    extractionPeakRssMiB: Math.round(extractionPeak),
    parentPeakRssMiB: Math.round(parentPeak),
    nextDocument: next.text
  }) + '\n')
}
