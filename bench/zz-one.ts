import { processDocument } from '../src/processing/process-document.js'
import { defaultProcessingLimits } from '../src/processing/limits.js'
import { readCorpusFile } from '../test/helpers/corpus.js'
const name = process.argv[2]
const bytes = readCorpusFile(name)
for (let i = 0; i < 8; i++) { const r = await processDocument({ bytes, filename: name, declaredType: null } as any, defaultProcessingLimits); if (i === 0) console.log(r.text.length, r.text.slice(0, 100)) }
