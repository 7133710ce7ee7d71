import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import ts from 'typescript'

const repo = fileURLToPath(new URL('../../', import.meta.url))

/**
 * `entry` (a file of src/) and every file of src/ it imports, directly or not, turned into
 * JavaScript file by file in a scratch directory removed with `t`; returns the path of the
 * entry's JavaScript there. A test that starts an entry point many times starts it with plain
 * node from here: tsx costs over a second of CPU at each start. Only the syntax is translated,
 * as tsx does; type checking is `npm run typecheck`'s job, and the build as it ships is tested
 * in test/cli/production-build.test.ts.
 */
export async function transpiledEntry (t: Test, entry: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'docqueue-transpiled-'))
  t.teardown(async () => { await rm(root, { recursive: true, force: true }) })
  // ES modules, with the repository's packages.
  await writeFile(join(root, 'package.json'), JSON.stringify({ type: 'module' }))
  await symlink(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir')
  const compilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 }
  const pending = [entry]
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
    const output = join(root, file.replace(/\.ts$/, '.js'))
    await mkdir(dirname(output), { recursive: true })
    await writeFile(output, ts.transpileModule(source, { fileName: file, compilerOptions }).outputText)
  }
  return join(root, entry.replace(/\.ts$/, '.js'))
}
