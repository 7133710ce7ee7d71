// `npm run build`, after tsc: copies every file of src/ that is not TypeScript (SQL migrations,
// admin views, styles and scripts) to the same place under the output directory, so compiled
// modules find them beside themselves exactly as the sources do (`new URL('./migrations/',
// import.meta.url)`), and dist/ alone, without src/, is a runnable service.
// Usage: node scripts/copy-build-assets.js [OUTPUT_DIR]   (default: dist)
import { cpSync } from 'node:fs'
import { resolve } from 'node:path'

const source = resolve('src')
const output = resolve(process.argv[2] ?? 'dist')

cpSync(source, output, {
  recursive: true,
  filter: (path) => !path.endsWith('.ts')
})
