import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { freePort } from '../helpers/free-port.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { isOneLine } from '../helpers/bin-command.js'
import { isolatedService } from '../helpers/context.js'
import { docqueueCli, listening } from '../helpers/docqueue-cli.js'

// The docqueue CLI as a child process against a real API on a loopback port. Each run starts a
// Node process, a second or more apiece on a busy machine: a bound for a hang.
t.setTimeout(1_800_000)
const docqueue = await docqueueCli(t)

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

interface UploadRow { file: string, id: string | null, status: string | null, error: { code: string, message: string } | null }

/** A scratch directory of files (path → content), removed with the test. */
async function folder (t: Test, files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'docqueue-cli-'))
  t.teardown(async () => { await rm(root, { recursive: true, force: true }) })
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true })
    await writeFile(join(root, path), content)
  }
  return root
}

t.test('upload: a directory, every file under it in name order, concurrently; one refused file is in the summary and the exit code is 1', async (t) => {
  const { app, key, auth } = await isolatedService(t, 'cli-upload')
  const env = { DOCQUEUE_URL: await listening(app), DOCQUEUE_API_KEY: key }
  const root = await folder(t, {
    'b-notes.md': '# Notes\n\nSome markdown words.',
    'a-report.txt': 'A plain text report.',
    'empty.txt': '',
    'nested/c-page.html': '<html><body><p>A page</p></body></html>',
    '.hidden': 'left out'
  })

  const table = await docqueue(['upload', root, '--concurrency', '2'], env)
  t.equal(table.code, 1, table.stderr)
  const lines = table.stdout.trim().split('\n')
  t.match(lines[0], /^FILE\s+ID\s+STATUS$/)
  t.match(lines[1], new RegExp(`^${join(root, 'a-report.txt')}\\s+[0-9a-f-]{36}\\s+pending$`))
  t.match(lines[2], new RegExp(`^${join(root, 'b-notes.md')}\\s+[0-9a-f-]{36}\\s+pending$`))
  t.match(lines[3], new RegExp(`^${join(root, 'empty.txt')}\\s+-\\s+error DOCQ_UPLOAD_EMPTY: `))
  t.match(lines[4], new RegExp(`^${join(root, 'nested', 'c-page.html')}\\s+[0-9a-f-]{36}\\s+pending$`))
  t.equal(lines[5], '3 uploaded, 1 failed')
  t.equal(lines.length, 6, 'the hidden file is left out')
  const progress = table.stderr.trim().split('\n')
  t.equal(progress.length, 4, `one plain progress line per file off a terminal: ${table.stderr}`)
  t.match(progress.at(-1), /\(4\/4\)$/)

  const listed = (await app.inject({ method: 'GET', url: '/documents?limit=100', headers: auth })).json()
  t.same(listed.items.map((document: { filename: string }) => document.filename).sort(), ['a-report.txt', 'b-notes.md', 'c-page.html'], 'exactly the files sent, once each')
})

t.test('upload --json: one row per file with id and status; exit 0 when all were accepted, with the priority asked for', async (t) => {
  const { app, key, auth } = await isolatedService(t, 'cli-upload-json')
  const env = { DOCQUEUE_URL: await listening(app), DOCQUEUE_API_KEY: key }
  const root = await folder(t, { 'one.txt': 'first', 'two.txt': 'second' })

  const outcome = await docqueue(['upload', join(root, 'two.txt'), join(root, 'one.txt'), '--json', '--priority', 'high'], env)
  t.equal(outcome.code, 0, outcome.stderr)
  const rows = JSON.parse(outcome.stdout) as UploadRow[]
  t.same(rows.map((row) => [row.file, row.status, row.error]), [[join(root, 'two.txt'), 'pending', null], [join(root, 'one.txt'), 'pending', null]], 'in the order given')
  for (const row of rows) {
    t.match(row.id, UUID)
    const document = (await app.inject({ method: 'GET', url: `/documents/${row.id ?? ''}`, headers: auth })).json()
    t.equal(document.priority, 'high')
  }
})

t.test('usage mistakes exit 2 and send nothing', async (t) => {
  const { app, key, auth } = await isolatedService(t, 'cli-usage')
  const env = { DOCQUEUE_URL: await listening(app), DOCQUEUE_API_KEY: key }
  const root = await folder(t, { 'note.txt': 'words' })
  const cases: Array<[string[], RegExp]> = [
    [[], /which command/],
    [['explode'], /unknown command: explode/],
    [['status', 'not-an-id'], /not a document id: not-an-id/],
    [['stats', '--timeout', '5'], /stats takes no --timeout/],
    [['upload', join(root, 'missing.txt')], /no such file or directory/],
    [['upload', join(root, 'note.txt'), '--priority', 'urgent'], /--priority must be one of high, normal, low/],
    [['wait', '0b7c0000-0000-4000-8000-000000000000', '--timeout', 'soon'], /--timeout must be an integer/],
    [['upload', join(root, 'note.txt'), '--url', 'ftp://example.org'], /must be http or https/]
  ]
  for (const [args, message] of cases) {
    const outcome = await docqueue(args, env)
    t.equal(outcome.code, 2, `${args.join(' ')}: ${outcome.stderr}`)
    t.match(outcome.stderr, message)
    t.match(outcome.stderr, /usage: docqueue COMMAND/)
  }
  const noKey = await docqueue(['upload', join(root, 'note.txt')], { DOCQUEUE_URL: env.DOCQUEUE_URL })
  t.equal(noKey.code, 2)
  t.match(noKey.stderr, /no API key: set DOCQUEUE_API_KEY/)

  const help = await docqueue(['--help'], {})
  t.equal(help.code, 0)
  t.match(help.stdout, /Exit codes: 0 done/)

  const listed = (await app.inject({ method: 'GET', url: '/documents', headers: auth })).json()
  t.same(listed.items, [], 'nothing was uploaded')
})

t.test('an unreachable API or a refused key exits 3 with one line saying what to set', async (t) => {
  const { app, key } = await isolatedService(t, 'cli-unreachable')
  const url = await listening(app)
  const root = await folder(t, { 'a.txt': 'one', 'b.txt': 'two', 'c.txt': 'three' })

  const nobody = `http://127.0.0.1:${await freePort()}`
  const unreachable = await docqueue(['stats'], { DOCQUEUE_URL: nobody, DOCQUEUE_API_KEY: key })
  t.equal(unreachable.code, 3)
  t.match(unreachable.stderr, new RegExp(`cannot reach the API at ${nobody}/: ECONNREFUSED.*DOCQUEUE_URL`))
  isOneLine(t, unreachable.stderr)

  const refused = await docqueue(['stats'], { DOCQUEUE_URL: url, DOCQUEUE_API_KEY: 'dq_0000000000000000_wrong' })
  t.equal(refused.code, 3)
  t.match(refused.stderr, /the API refused the key \(DOCQ_AUTH_(INVALID|MISSING)\)/)
  isOneLine(t, refused.stderr)

  const upload = await docqueue(['upload', root, '--json', '--concurrency', '1'], { DOCQUEUE_URL: nobody, DOCQUEUE_API_KEY: key })
  t.equal(upload.code, 3, 'an upload that cannot reach the API stops')
  t.same((JSON.parse(upload.stdout) as UploadRow[]).map((row) => [row.id, row.error?.code]), [[null, 'NOT_SENT'], [null, 'NOT_SENT'], [null, 'NOT_SENT']], 'and says no file was sent')
  t.match(upload.stderr, /cannot reach the API/)
})

t.test('status, wait, search, reprocess and stats through a worker', async (t) => {
  const { context, stack, app, key } = await isolatedService(t, 'cli-flow')
  const env = { DOCQUEUE_URL: await listening(app), DOCQUEUE_API_KEY: key }
  const root = await folder(t, {
    'lighthouse.txt': 'The lighthouse keeper counted ships every evening.',
    'pixel.txt': PNG
  })
  const uploaded = JSON.parse((await docqueue(['upload', root, '--json'], env)).stdout) as UploadRow[]
  const [good, bad] = uploaded.map((row) => row.id ?? '')

  const early = await docqueue(['wait', good, '--timeout', '1'], env)
  t.equal(early.code, 4, `no worker yet: the wait runs out: ${early.stderr}`)
  // Whether the first event (pending) arrived within the second depends on the machine, not on the CLI.
  t.match(early.stdout, new RegExp(`${good}\\s+timed out \\((pending|no status yet)\\)`))

  context.worker(stack)
  const waited = await docqueue(['wait', good, '--timeout', '300'], env)
  t.equal(waited.code, 0, waited.stderr)
  t.match(waited.stdout, new RegExp(`${good}\\s+completed`))

  const mixed = await docqueue(['wait', good, bad, '--json', '--timeout', '300'], env)
  t.equal(mixed.code, 1, 'one of them failed')
  t.match(JSON.parse(mixed.stdout), [
    { id: good, status: 'completed', timedOut: false, error: null },
    { id: bad, status: 'failed', timedOut: false, error: { code: 'unsupported_type' } }
  ])

  const shown = await docqueue(['status', good], env)
  t.equal(shown.code, 0, shown.stderr)
  t.match(shown.stdout, new RegExp(`^id\\s+${good}$`, 'm'))
  t.match(shown.stdout, /^filename\s+lighthouse\.txt$/m)
  t.match(shown.stdout, /^status\s+completed \(process, attempt \d+ of \d+\)$/m, 'attempts as recorded (a busy machine may time out one)')
  const failedStatus = await docqueue(['status', bad, '--json'], env)
  t.match(JSON.parse(failedStatus.stdout), { id: bad, status: 'failed', errorKind: 'permanent' })

  const found = await docqueue(['search', 'lighthouse keeper'], env)
  t.equal(found.code, 0, found.stderr)
  t.match(found.stdout, new RegExp(`^${good}  lighthouse\\.txt`, 'm'))
  t.match(found.stdout, /\[lighthouse\] \[keeper\]/, 'matches marked in brackets off a terminal')
  t.match(found.stdout, /^1 matching document$/m)
  const none = await docqueue(['search', 'submarine', '--json'], env)
  t.same(JSON.parse(none.stdout), { total: 0, totalIsCapped: false, results: [] })

  const again = await docqueue(['reprocess', good, '--priority', 'low'], env)
  t.equal(again.code, 0, again.stderr)
  t.match(again.stdout, new RegExp(`^${good}  (pending|in_progress|completed) \\(reprocess\\)$`, 'm'))
  const rewaited = await docqueue(['wait', good, '--timeout', '300'], env)
  t.equal(rewaited.code, 0, rewaited.stderr)
  t.equal(JSON.parse((await docqueue(['status', good, '--json'], env)).stdout).version, 2, 'processed twice')

  const counts = await docqueue(['stats', '--json'], env)
  t.equal(counts.code, 0, counts.stderr)
  t.match(JSON.parse(counts.stdout), { pending: 0, inProgress: 0, completed: 1, failed: 1 })
  const text = await docqueue(['stats'], env)
  t.match(text.stdout, /^completed\s+1$/m)
  t.match(text.stdout, /^failedByKind\.permanent\s+1$/m)
})

t.test('a document that does not exist: status and reprocess exit 1 with the API\'s code, wait counts it failed', async (t) => {
  const { app, key } = await isolatedService(t, 'cli-missing')
  const env = { DOCQUEUE_URL: await listening(app), DOCQUEUE_API_KEY: key }
  const missing = '0b7c0000-0000-4000-8000-000000000000'
  for (const command of ['status', 'reprocess']) {
    const outcome = await docqueue([command, missing], env)
    t.equal(outcome.code, 1, command)
    t.match(outcome.stderr, /DOCQ_DOCUMENT_NOT_FOUND/)
    isOneLine(t, outcome.stderr)
  }
  const waited = await docqueue(['wait', missing, '--json'], env)
  t.equal(waited.code, 1)
  t.match(JSON.parse(waited.stdout), [{ id: missing, status: null, error: { code: 'DOCQ_DOCUMENT_NOT_FOUND' } }])
})
