import t from 'tap'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { TestContext } from '../helpers/context.js'
import { adminsCli } from '../helpers/admins-cli.js'

// Apart from test/cli/admins.test.ts because each run starts a process, slow on a busy machine.
const context = TestContext.create(t)
const stack = await context.stack()
const admins = adminsCli(context)

t.test('usage mistakes exit 2 with the usage; refusals exit 1', async (t) => {
  const usage = [
    [],
    ['create', '--name', 'x', '--role', 'superuser'],
    ['create', '--name', 'x', '--role', 'viewer', '--tenants', 'a,bad tenant'],
    ['disable']
  ]
  await Promise.all(usage.map(async (args) => {
    await t.rejects(admins(...args), { code: 2, stderr: /usage:/ }, args.join(' ') || '(no arguments)')
  }))
  await new AdminAccounts(stack.pool).create({ name: 'taken', role: 'viewer', tenants: null })
  await Promise.all([
    t.rejects(admins('create', '--name', 'taken', '--role', 'viewer'), { code: 1, stderr: /already exists/ }, 'a name taken'),
    t.rejects(admins('reset-password', '--name', 'nobody'), { code: 1, stderr: /no account named nobody/ })
  ])
  const { rows } = await stack.pool.query<{ n: number }>("select count(*)::int as n from admin_accounts where name = 'x'")
  t.equal(rows[0].n, 0, 'no refused create wrote an account')
})
