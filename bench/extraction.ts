import { createDocumentProcessor, ProcessingError } from '../src/processing/index.js'
import { readCorpusFile, readManifest } from '../test/helpers/corpus.js'
import { isExtractionProcess, ProcessTreeSampler } from './process-tree.js'

// Extraction throughput over the test corpus, in its own process so that the memory it
// reports is the processor's alone: this process and its extraction processes, sampled from
// /proc (Linux only). Prints one JSON line (ExtractionStats in report.ts).
const rounds = Number(process.env.BENCH_EXTRACTION_ROUNDS ?? 5)
const processes = Number(process.env.BENCH_EXTRACTION_PROCESSES ?? 2)

const files = readManifest().map((entry) => ({ name: entry.file, bytes: readCorpusFile(entry.file) }))
const processor = createDocumentProcessor({}, { processes })
const sampler = new ProcessTreeSampler(process.pid, isExtractionProcess)

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
  sampler.resetCpu()
  const started = performance.now()
  const totals = { pages: 0, bytes: 0, failed: 0 }
  for (let round = 0; round < rounds; round++) {
    const one = await pass()
    totals.pages += one.pages
    totals.bytes += one.bytes
    totals.failed += one.failed
  }
  const seconds = (performance.now() - started) / 1000
  const tree = sampler.stop()
  process.stdout.write(JSON.stringify({
    files: files.length,
    rounds,
    processes,
    pagesPerRound: totals.pages / rounds,
    documentsPerSecond: (files.length * rounds) / seconds,
    pagesPerSecond: totals.pages / seconds,
    pagesPerCoreSecond: totals.pages / tree.selectedCpuSeconds,
    extractionCpuMsPerRound: tree.selectedCpuSeconds * 1000 / rounds,
    megabytesPerSecond: totals.bytes / 1024 / 1024 / seconds,
    failedPerRound: totals.failed / rounds,
    peakRssMiB: tree.peaks.total.rss,
    extractionPeakRssMiB: tree.peaks.selected.rss
  }) + '\n')
} finally {
  await processor.close()
}
