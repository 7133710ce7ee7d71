import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises'
import { freePort } from '../helpers/free-port.js'
import { tmpdir } from 'node:os'
import { basename, join, relative, resolve } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { nodeCommand } from '../helpers/bin-command.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { startServiceProcesses } from '../helpers/service-processes.js'

// The production build as it ships: compiled into a scratch directory with package.json and
// the production dependencies only (no TypeScript, no tsx, no dev tools), migrated and run as
// `node dist/bin/*.js` processes against real Postgres and Redis, then fed through the compiled
// CLI. Compiling and starting cold processes takes minutes on a busy machine: bounds, not budgets.
t.setTimeout(1_800_000)

const run = promisify(execFile)
const repo = resolve('.')
const corpus = join(repo, 'test/fixtures/corpus')

const context = TestContext.create(t)
const scratch = await mkdtemp(join(tmpdir(), 'docqueue-build-'))
t.teardown(async () => { await rm(scratch, { recursive: true, force: true }) })
const dist = join(scratch, 'dist')

/** The top-level packages `npm ls --omit=dev` lists: what `npm ci --omit=dev` installs, nested ones inside them. */
async function productionPackages (): Promise<string[]> {
  const listed = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repo, maxBuffer: 16 * 1024 * 1024 })
    .catch((error: { stdout: string }) => error)
  return listed.stdout.split('\n')
    .map((path) => relative(join(repo, 'node_modules'), path))
    .filter((name) => /^(@[^/]+\/)?[^/@.][^/]*$/.test(name))
}

t.test('npm run build compiles src/ alone and carries its SQL, views and static files', async (t) => {
  await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dist, '--tsBuildInfoFile', join(dist, '.tsbuildinfo')], { cwd: repo })
  await run(process.execPath, ['scripts/copy-build-assets.js', dist], { cwd: repo })
  const files = await readdir(dist, { recursive: true })
  t.ok(files.includes(join('bin', 'api.js')) && files.includes(join('bin', 'worker.js')) && files.includes(join('cli', 'main.js')), 'entry points')
  t.ok(files.includes(join('processing', 'extraction-child.js')), 'the extraction child, compiled')
  t.ok(files.includes(join('db', 'migrations', '001_initial.sql')), 'migrations beside the module that reads them')
  t.ok(files.includes(join('admin', 'views', 'layout.eta')) && files.includes(join('admin', 'static', 'admin.css')), 'admin views and static files')
  t.same(files.filter((file) => file.endsWith('.ts')), [], 'no TypeScript')
  t.same(files.filter((file) => /fault|bench|(^|\/)test\//.test(file)), [], 'no test or benchmark code')
  t.match(await readFile(join(dist, 'cli', 'main.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the CLI runs as an executable')

  await copyFile(join(repo, 'package.json'), join(scratch, 'package.json'))
  const packages = await productionPackages()
  t.ok(packages.includes('fastify') && packages.includes('pdfjs-dist'), 'production dependencies')
  t.notOk(packages.includes('tsx') || packages.includes('typescript') || packages.includes('tap'), 'no dev dependency')
  for (const name of packages) {
    await mkdir(join(scratch, 'node_modules', name, '..'), { recursive: true })
    await symlink(join(repo, 'node_modules', name), join(scratch, 'node_modules', name), 'dir')
  }
})

t.test('the compiled API, worker and CLI process documents with production dependencies only', async (t) => {
  const port = await freePort()
  const env = {
    DATABASE_URL: context.config.DATABASE_URL,
    REDIS_URL: context.config.REDIS_URL,
    QUEUE_PREFIX: context.config.QUEUE_PREFIX,
    PORT: String(port),
    LOG_LEVEL: 'info',
    WORKER_CONCURRENCY: '1'
  }
  const node = async (args: string[], extra: Record<string, string> = {}): Promise<{ code: number, stdout: string, stderr: string }> =>
    await nodeCommand(args, { ...env, ...extra }, scratch)

  const migrated = await node(['dist/bin/migrate.js'])
  t.equal(migrated.code, 0, migrated.stderr)
  t.match(migrated.stdout, /applied 001_initial/)
  // Opened on the migrated database, so the queue's Redis keys are removed at teardown.
  await context.stack()
  const created = await node(['dist/bin/keys.js', 'create', '--tenant', 'build'])
  t.equal(created.code, 0, created.stderr)
  const key = created.stdout.trim().split('\n').at(-1) ?? ''

  const api = await startServiceProcesses(context, {
    args: (role) => [`dist/bin/${role}.js`],
    cwd: scratch,
    env: () => ({ ...process.env, ...env }),
    logDir: scratch,
    port,
    description: 'the compiled API to be ready'
  })

  const login = await fetch(`${api}/admin/login`)
  t.equal(login.status, 200, 'the admin views are found from dist/')
  t.equal((await fetch(`${api}/admin/static/admin.css`)).status, 200, 'and its static files')

  const cli = { DOCQUEUE_URL: api, DOCQUEUE_API_KEY: key }
  const files = ['pdfjs_XiaoBiaoSong.pdf', 'mammoth_tables.docx'].map((name) => join(corpus, name))
  const uploaded = await node(['dist/cli/main.js', 'upload', ...files, '--json'], cli)
  t.equal(uploaded.code, 0, uploaded.stderr)
  const rows = JSON.parse(uploaded.stdout) as Array<{ file: string, id: string }>
  t.same(rows.map((row) => basename(row.file)), ['pdfjs_XiaoBiaoSong.pdf', 'mammoth_tables.docx'])

  for (const [row, expected] of [[rows[0], '关于红军作战的原则'], [rows[1], 'Top left']] as const) {
    const document = await waitFor(async () => {
      const shown = await node(['dist/cli/main.js', 'status', row?.id ?? '', '--json'], cli)
      const state = JSON.parse(shown.stdout) as { status: string, errorCode: string | null }
      return state.status === 'completed' || state.status === 'failed' ? state : undefined
    }, `${row?.file ?? ''} to be processed`, 600_000)
    t.equal(document.status, 'completed', `${row?.file ?? ''}: ${document.errorCode ?? ''}`)
    const text = await fetch(`${api}/documents/${row?.id ?? ''}/text`, { headers: { authorization: `Bearer ${key}` } })
    t.match(await text.text(), expected, 'extracted by the compiled extraction process (PDF CMaps and DOCX parts resolved from the production install)')
  }
  const workerLog = await readFile(join(scratch, 'worker.log'), 'utf8')
  t.notMatch(workerLog, /tsx|\.ts:\d+/, 'nothing ran from TypeScript')
})
