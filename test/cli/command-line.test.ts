import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { binCommand, databaseUrlNamed, isOneLine } from '../helpers/bin-command.js'
import { TestContext } from '../helpers/context.js'

// Every command answers --help, says what is wrong with its arguments or configuration in one
// line with exit 2, and reads `.env` from its working directory.
// Each case starts node processes, which take tens of seconds on a busy machine: the file's
// time limit bounds a hang, not the speed.
t.setTimeout(300_000)
const context = TestContext.create(t)
const stack = await context.stack()
await stack.apiKeys.create('dotenv-tenant')

t.test('--help prints the usage and exits 0', async (t) => {
  await Promise.all(['keys.ts', 'start.ts'].map(async (script) => {
    const help = await binCommand(script, ['--help'], {})
    t.equal(help.code, 0, script)
    t.match(help.stdout, /^usage:/, script)
  }))
})

t.test('configuration and usage mistakes: one line and exit 2', async (t) => {
  const [badConfig, unknownOption] = await Promise.all([
    binCommand('keys.ts', ['list'], { DATABASE_URL: context.config.DATABASE_URL, WORKER_CONCURRENCY: 'lots' }),
    binCommand('migrate.ts', ['--force'], {})
  ])
  t.equal(badConfig.code, 2)
  t.match(badConfig.stderr, /invalid configuration: WORKER_CONCURRENCY .*\.env\.example/)
  isOneLine(t, badConfig.stderr)
  t.equal(unknownOption.code, 2)
  t.match(unknownOption.stderr, /--force/)
  t.match(unknownOption.stderr, /usage: npm run migrate/)
})

t.test('.env in the working directory is read; a variable already set wins over it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'docq-dotenv-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, '.env'), `# written by a test\nDATABASE_URL=${context.config.DATABASE_URL}\n`)
  const [listed, overridden] = await Promise.all([
    binCommand('keys.ts', ['list'], {}, dir),
    binCommand('keys.ts', ['list'], { DATABASE_URL: databaseUrlNamed(context.config.DATABASE_URL, `docq_unset_${process.pid}`) }, dir)
  ])
  t.equal(listed.code, 0, listed.stderr)
  t.match(listed.stdout, /\tdotenv-tenant\t/)
  t.equal(overridden.code, 1)
  t.match(overridden.stderr, /does not exist/)
})
