import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'

// scripts/check-engines.js keeps `npm ci` free of EBADENGINE warnings: it runs in `npm run lint`
// and here, on the committed lockfile, and must still catch a package that refuses our Node.
const run = promisify(execFile)
const script = resolve('scripts/check-engines.js')

async function checkEngines (project: string): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, project])
    return { code: 0, stdout, stderr }
  } catch (error) {
    return error as { code: number, stdout: string, stderr: string }
  }
}

async function scratchProject (t: Test, engines: string, packages: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'docqueue-engines-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', engines: { node: engines } }))
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { engines: { node: engines } }, ...packages } }))
  return dir
}

t.test('every package docqueue installs accepts the Node versions its engines field admits', async (t) => {
  const outcome = await checkEngines(resolve('.'))
  t.equal(outcome.code, 0, outcome.stderr)
  t.match(outcome.stdout, /every package in package-lock.json accepts node 20\.19\.0/)
})

t.test('a package that needs a newer Node than our oldest fails the check, named with its version and range', async (t) => {
  const project = await scratchProject(t, '>=20.19', {
    'node_modules/fine': { version: '1.0.0', engines: { node: '>=18' } },
    'node_modules/parent/node_modules/cookie': { version: '2.0.2', engines: { node: '>=22' } },
    'node_modules/tool': { version: '3.0.0', dev: true, engines: { node: '^20.20.0 || >=22' } }
  })
  const outcome = await checkEngines(project)
  t.equal(outcome.code, 1)
  t.match(outcome.stderr, /2 installed package\(s\)/)
  t.match(outcome.stderr, /cookie@2\.0\.2 needs node >=22, refusing 20\.19\.0/)
  t.match(outcome.stderr, /tool@3\.0\.0 \(dev\) needs node \^20\.20\.0 \|\| >=22/)
  t.notMatch(outcome.stderr, /fine@/)
})

t.test('a project without an engines field to check against is refused', async (t) => {
  const project = await scratchProject(t, 'not a range', {})
  const outcome = await checkEngines(project)
  t.equal(outcome.code, 1)
  t.match(outcome.stderr, /no valid engines\.node/)
})
