import t from 'tap'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { verifyPassword } from '../../src/admin/passwords.js'
import { TestContext } from '../helpers/context.js'
import { adminsCli } from '../helpers/admins-cli.js'

const context = TestContext.create(t)
const stack = await context.stack()
const admins = adminsCli(context)

const lastLine = (output: string): string => output.trim().split('\n').at(-1) ?? ''

async function passwordHashOf (name: string): Promise<string> {
  return (await new AdminAccounts(stack.pool).findForLogin(name))?.passwordHash ?? ''
}

async function sessionsOf (name: string): Promise<number> {
  const { rows } = await stack.pool.query<{ n: number }>(
    'select count(*)::int as n from admin_sessions s join admin_accounts a on a.id = s.account_id where a.name = $1', [name])
  return rows[0].n
}

async function addSession (name: string): Promise<void> {
  await stack.pool.query(`
    insert into admin_sessions (id, account_id, csrf_secret)
    select gen_random_uuid()::text::bytea, id, 'secret' from admin_accounts where name = $1`, [name])
}

t.test('create prints a one-time password on its last line; only its hash is stored', async (t) => {
  const output = await admins('create', '--name', 'ops-lead', '--role', 'operator', '--tenants', 'acme,globex')
  const password = lastLine(output)
  t.match(password, /^[A-Za-z0-9_-]{27}$/)
  const account = await new AdminAccounts(stack.pool).findForLogin('ops-lead')
  t.match(account, { name: 'ops-lead', role: 'operator', tenants: ['acme', 'globex'], disabledAt: null })
  t.notOk(account?.passwordHash.includes(password), 'only a hash is stored')
  t.equal(await verifyPassword(password, account?.passwordHash ?? ''), true)
})

t.test('list shows each account: role, tenants (* for every tenant) and state', async (t) => {
  const accounts = new AdminAccounts(stack.pool)
  await accounts.create({ name: 'root', role: 'admin', tenants: null })
  await accounts.create({ name: 'gone', role: 'viewer', tenants: ['acme'] })
  await accounts.disable('gone')
  const listed = await admins('list')
  t.match(listed, /^root\tadmin\t\*\tactive$/m)
  t.match(listed, /^gone\tviewer\tacme\tdisabled \d{4}-/m)
})

t.test('reset-password prints a new password, replaces the old one and ends the sessions', async (t) => {
  await new AdminAccounts(stack.pool).create({ name: 'forgetful', role: 'viewer', tenants: null })
  const before = await passwordHashOf('forgetful')
  await addSession('forgetful')
  t.equal(await sessionsOf('forgetful'), 1)
  const password = lastLine(await admins('reset-password', '--name', 'forgetful'))
  const after = await passwordHashOf('forgetful')
  t.not(after, before)
  t.equal(await verifyPassword(password, after), true)
  t.equal(await sessionsOf('forgetful'), 0, 'its sessions ended')
})

t.test('disable marks the account and ends its sessions', async (t) => {
  await new AdminAccounts(stack.pool).create({ name: 'leaver', role: 'viewer', tenants: null })
  await addSession('leaver')
  t.match(await admins('disable', '--name', 'leaver'), /disabled leaver/)
  t.equal(await sessionsOf('leaver'), 0)
  t.not((await new AdminAccounts(stack.pool).findForLogin('leaver'))?.disabledAt, null)
})
