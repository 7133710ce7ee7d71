import { processDocument } from '../src/processing/process-document.js'
import { defaultProcessingLimits } from '../src/processing/limits.js'
import { readManifest, readCorpusFile } from '../test/helpers/corpus.js'
const files = readManifest().map((e) => ({ name: e.file, bytes: readCorpusFile(e.file) }))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const totals = new Map<string, { ms: number, pages: number }>()
for (let round = 0; round < 4; round++) {
  for (const f of files) {
    const t0 = cpu()
    let pages = 0
    try { const r = await processDocument({ bytes: f.bytes, filename: f.name, declaredType: null } as any, defaultProcessingLimits); pages = r.metadata.pages ?? 0 } catch {}
    const ms = cpu() - t0
    if (round > 0) { const t = totals.get(f.name) ?? { ms: 0, pages }; t.ms += ms / 3; totals.set(f.name, t) }
  }
}
let sum = 0, pages = 0
for (const [name, t] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) { sum += t.ms; pages += t.pages; console.log(t.ms.toFixed(1).padStart(8), String(t.pages).padStart(4), name) }
console.log('total', sum.toFixed(0), 'ms', pages, 'pages', (pages / sum * 1000).toFixed(1), 'pages/core-s')
