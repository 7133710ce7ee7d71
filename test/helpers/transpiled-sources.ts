import { cpSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import ts from 'typescript'

const repo = fileURLToPath(new URL('../../', import.meta.url))

// Modules that are started by their path rather than imported (the worker forks
// `./extraction-child` with its own extension), so no import leads to them.
const STARTED_BY_PATH = ['src/processing/extraction-child.ts']

/**
 * The files of src/ that are not TypeScript (SQL migrations, admin views, styles and scripts)
 * copied to the same place under `root`, where the transpiled modules look for them beside
 * themselves, as `npm run build` does for dist/.
 */
function copySourceAssets (root: string): void {
  cpSync(join(repo, 'src'), join(root, 'src'), { recursive: true, filter: (path) => !path.endsWith('.ts') })
}

/**
 * `entries` (files of the repository) and every file they import, directly or not, turned into
 * JavaScript file by file under `root` (an empty directory), with src/'s other files and the
 * repository's packages beside them. Only the syntax is translated, as tsx does; type checking
 * is `npm run typecheck`'s job, and the build as it ships is tested in
 * test/cli/production-build.test.ts.
 */
export async function transpileSources (root: string, entries: string[]): Promise<void> {
  // The repository's package.json (ES modules; the service reads its version) and packages.
  await copyFile(join(repo, 'package.json'), join(root, 'package.json'))
  await symlink(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir')
  copySourceAssets(root)
  const compilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 }
  const pending = [...entries, ...STARTED_BY_PATH]
  const seen = new Set(pending)
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    const source = await readFile(join(repo, file), 'utf8')
    // Relative imports name the compiled file (./x.js); its source is the .ts beside it.
    for (const { fileName } of ts.preProcessFile(source).importedFiles) {
      if (!fileName.startsWith('.')) continue
      const imported = join(dirname(file), fileName.replace(/\.js$/, '.ts'))
      if (!seen.has(imported)) {
        seen.add(imported)
        pending.push(imported)
      }
    }
    const output = join(root, javaScriptPath(file))
    await mkdir(dirname(output), { recursive: true })
    await writeFile(output, ts.transpileModule(source, { fileName: file, compilerOptions }).outputText)
  }
}

/** Where {@link transpileSources} writes `file` (a .ts path relative to the repository). */
export function javaScriptPath (file: string): string {
  return file.replace(/\.ts$/, '.js')
}

/**
 * {@link transpileSources} for one `entry`, in a scratch directory removed with `t`; returns the
 * path of the entry's JavaScript there. A test that starts an entry point many times starts it
 * with plain node from here: tsx costs over a second of CPU at each start, in the process and in
 * each extraction process it forks.
 */
export async function transpiledEntry (t: Test, entry: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'docqueue-transpiled-'))
  t.teardown(async () => { await rm(root, { recursive: true, force: true }) })
  await transpileSources(root, [entry])
  return join(root, javaScriptPath(entry))
}
