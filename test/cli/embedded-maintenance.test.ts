import { existsSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { askControlChannel, controlSocketPath } from '../../src/embedded/control-channel.js'
import { csrfTokenOf } from '../helpers/admin-client.js'
import { isOneLine } from '../helpers/bin-command.js'
import { embeddedCommand, startEmbedded, stopEmbedded } from '../helpers/embedded-service.js'
import { freePort } from '../helpers/free-port.js'

// `npm run admins`, `keys`, `sweep` and `migrate` on embedded data: first on a folder no process
// holds (the command opens PGlite itself), then through the control channel of a running
// `npm start`, whose throttles count in its memory. One service for the file: its start costs a
// minute on a busy machine, and each command a good part of one.
t.setTimeout(1_800_000)

const LAST_LINE = /(\S+)\s*$/

function lastLine (stdout: string): string {
  const match = LAST_LINE.exec(stdout)
  if (match === null) throw new Error(`nothing printed: ${stdout}`)
  return match[1]
}

/** The `name=value` pairs of a response's Set-Cookie headers, as a browser would send them back. */
function cookiesOf (response: Response): string {
  return response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).filter((pair) => !pair.endsWith('=')).join('; ')
}

/** Signs in to the admin UI over HTTP as a browser does: the form (its CSRF token and cookie), then the post. */
async function signIn (api: string, name: string, password: string): Promise<{ status: number, session: string }> {
  const form = await fetch(`${api}/admin/login`)
  const posted = await fetch(`${api}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookiesOf(form), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfTokenOf(await form.text()), name, password })
  })
  return { status: posted.status, session: cookiesOf(posted) }
}

t.test('embedded maintenance: on a free folder, then through the running service', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'docqueue-embedded-maintenance-'))
  t.teardown(async () => { await rm(dataDir, { recursive: true, force: true }) })

  const noDatabase = await embeddedCommand('keys.ts', ['list'], dataDir)
  t.equal(noDatabase.code, 1, 'keys on a folder without a database is refused')
  t.match(noDatabase.stderr, /no embedded database in DATA_DIR=.*npm run migrate/)
  isOneLine(t, noDatabase.stderr)
  t.notOk(existsSync(join(dataDir, 'postgres', 'PG_VERSION')), 'and creates nothing')

  const migrated = await embeddedCommand('migrate.ts', [], dataDir)
  t.equal(migrated.code, 0, migrated.stderr)
  t.match(migrated.stdout, /^applied 001/, 'migrate creates the database and applies every migration')

  const root = await embeddedCommand('admins.ts', ['create', '--name', 'root', '--role', 'admin'], dataDir)
  t.equal(root.code, 0, root.stderr)
  const rootPassword = lastLine(root.stdout)
  t.notOk(existsSync(join(dataDir, 'docqueue.pid')), 'a command that opened the data releases the folder')

  const port = await freePort()
  const service = await startEmbedded(t, dataDir, port, { AUTH_FAILURES_PER_ADDRESS: '3', ADMIN_LOGIN_FAILURES: '3' })
  t.match(service.stderr(), /npm run admins -- create --name NAME --role admin/, 'the notice says how to create an admin account')
  t.equal((await stat(join(dataDir, 'control'))).mode & 0o777, 0o700, 'the control socket is in a folder only its user may enter')

  // While the service holds the folder, in parallel: each goes through its control channel.
  const [operator, key, swept, refusedMigrate, unknownAccount] = await Promise.all([
    embeddedCommand('admins.ts', ['create', '--name', 'ops', '--role', 'operator'], dataDir),
    embeddedCommand('keys.ts', ['create', '--tenant', 'acme'], dataDir),
    embeddedCommand('sweep.ts', ['--limit', '10'], dataDir),
    embeddedCommand('migrate.ts', [], dataDir),
    embeddedCommand('admins.ts', ['disable', '--name', 'nobody'], dataDir)
  ])
  t.equal(operator.code, 0, operator.stderr)
  t.equal(key.code, 0, key.stderr)
  t.equal(swept.code, 0, swept.stderr)
  t.match(JSON.parse(swept.stdout), { processed: Number, due: Number, heldByLiveWorkers: Number }, 'sweep prints its counts')
  t.equal(refusedMigrate.code, 1, 'migrate is refused while the service runs')
  t.match(refusedMigrate.stderr, new RegExp(`docqueue service \\(pid ${service.child.pid}\\) is using .*stop it and run \`npm run migrate\``))
  isOneLine(t, refusedMigrate.stderr)
  t.equal(unknownAccount.code, 1, 'a refusal of the service is the command\'s exit code')
  t.equal(unknownAccount.stderr.trim(), 'docqueue: no account named nobody')

  for (const [name, password] of [['root', rootPassword], ['ops', lastLine(operator.stdout)]]) {
    const signedIn = await signIn(service.api, name, password)
    t.equal(signedIn.status, 303, `${name} signs in`)
    const overview = await fetch(`${service.api}/admin`, { headers: { cookie: signedIn.session } })
    t.equal(overview.status, 200, `${name} sees the admin UI`)
    t.match(await overview.text(), `<span class="account-name">${name}</span>`, 'signed in as that account')
  }

  const auth = { authorization: `Bearer ${lastLine(key.stdout)}` }
  t.equal((await fetch(`${service.api}/documents`, { headers: auth })).status, 200, 'the key made through the service works at once')

  const invalid = await askControlChannel(dataDir, { command: 'admins', args: { command: 'create', name: 'two words', role: 'admin' } })
  t.same(invalid, { lines: [], error: '--name must be 1-64 letters, digits, dot, at, dash or underscore' }, 'the service checks a request\'s arguments itself')
  const raw = createConnection(controlSocketPath(dataDir))
  raw.end('not json\n')
  raw.setEncoding('utf8')
  let rawAnswer = ''
  for await (const chunk of raw) rawAnswer += chunk as string
  t.match(JSON.parse(rawAnswer), { lines: [], error: /JSON/ }, 'and answers a request that is not JSON with an error')

  // The throttles count in the service's memory: the third failure reaches the limit of 3.
  for (let attempt = 1; attempt <= 3; attempt++) {
    t.equal((await fetch(`${service.api}/documents`, { headers: { authorization: 'Bearer dq_made_up' } })).status, 401, `made-up key ${attempt}`)
  }
  const throttled = await fetch(`${service.api}/documents`, { headers: { authorization: 'Bearer dq_made_up' } })
  t.equal(throttled.status, 429, 'then the address is refused')
  t.ok(Number(throttled.headers.get('retry-after')) >= 1, 'with Retry-After')
  for (let attempt = 1; attempt <= 3; attempt++) t.equal((await signIn(service.api, 'root', 'wrong')).status, 401, `wrong password ${attempt}`)
  t.equal((await signIn(service.api, 'root', rootPassword)).status, 429, 'then even the right password waits')

  t.equal(await stopEmbedded(service), 0, 'a clean stop')
  t.notOk(existsSync(controlSocketPath(dataDir)), 'which removes the control socket')
})
