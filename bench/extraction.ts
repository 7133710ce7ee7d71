import { createDocumentProcessor, ProcessingError } from '../src/processing/index.js'
import { readCorpusFile, readManifest } from '../test/helpers/corpus.js'
import { extractionProcessIds, residentMiB } from '../test/helpers/extraction-processes.js'

// Extraction throughput over the test corpus, in its own process so that its peak RSS is the
// processor's alone: this process's, and the sum of its extraction processes' peaks (read from
// /proc before they are closed, so Linux only). Prints one JSON line.
const rounds = Number(process.env.BENCH_EXTRACTION_ROUNDS ?? 5)
const processes = Number(process.env.BENCH_EXTRACTION_PROCESSES ?? 2)

const files = readManifest().map((entry) => ({ name: entry.file, bytes: readCorpusFile(entry.file) }))
const processor = createDocumentProcessor({}, { processes })

async function pass (): Promise<{ pages: number, bytes: number, failed: number }> {
  const totals = { pages: 0, bytes: 0, failed: 0 }
  let next = 0
  // As many documents in flight as processes, like a worker with that concurrency.
  await Promise.all(Array.from({ length: processes }, async () => {
    while (next < files.length) {
      const file = files[next++]
      totals.bytes += file.bytes.length
      try {
        const result = await processor.process({ bytes: file.bytes, filename: file.name, declaredType: null })
        totals.pages += result.metadata.pages ?? 0
      } catch (error) {
        if (!(error instanceof ProcessingError)) throw error
        totals.failed += 1
      }
    }
  }))
  return totals
}

try {
  await pass() // warm-up: processes started, parsers loaded and compiled
  const started = performance.now()
  const totals = { pages: 0, bytes: 0, failed: 0 }
  for (let round = 0; round < rounds; round++) {
    const one = await pass()
    totals.pages += one.pages
    totals.bytes += one.bytes
    totals.failed += one.failed
  }
  const seconds = (performance.now() - started) / 1000
  process.stdout.write(JSON.stringify({
    files: files.length,
    rounds,
    processes,
    documentsPerSecond: (files.length * rounds) / seconds,
    pagesPerSecond: totals.pages / seconds,
    megabytesPerSecond: totals.bytes / 1024 / 1024 / seconds,
    failedPerRound: totals.failed / rounds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    extractionPeakRssMiB: extractionProcessIds().reduce((sum, pid) => sum + residentMiB(pid, 'VmHWM'), 0)
  }) + '\n')
} finally {
  await processor.close()
}
