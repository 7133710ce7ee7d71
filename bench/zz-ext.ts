import { createDocumentProcessor } from '../src/processing/index.js'
import { readCorpusFile, readManifest } from '../test/helpers/corpus.js'
import { execSync } from 'node:child_process'
const files = readManifest().map((entry) => ({ name: entry.file, bytes: readCorpusFile(entry.file) }))
const processor = createDocumentProcessor({}, { processes: 2 })
const kids = () => execSync(`pgrep -f extraction-child || true`).toString().trim().split('\n').slice(0, -1).join(',')
for (let pass = 0; pass < 2; pass++) {
  for (const f of files) {
    const before = kids()
    let outcome = 'ok'
    try { await processor.process({ bytes: f.bytes, filename: f.name, declaredType: null }) } catch (e) { outcome = (e as any).code + ' ' + String((e as Error).message).slice(0, 80) }
    const after = kids()
    if (before !== after || outcome !== 'ok') console.log(pass, f.name, outcome, before, '->', after)
  }
}
await processor.close()
