import { ACCOUNT_NAME_PATTERN, AdminAccounts, TENANT_PATTERN } from '../admin/admin-accounts.js'
import { runMigrations } from '../db/migrate.js'
import { createPool } from '../db/pool.js'
import { adminRoles, type AdminRole } from '../states.js'
import { UsageError, runCommand } from './command.js'

const usage = `usage:
  npm run admins -- create --name NAME --role ${adminRoles.join('|')} [--tenants a,b]
                                            create an account; prints its one-time password once, on the last line
  npm run admins -- list                    list accounts (name, role, tenants, state)
  npm run admins -- disable --name NAME     disable an account and end its sessions
  npm run admins -- reset-password --name NAME
                                            end its sessions; prints a new one-time password once, on the last line`

function requiredName (name: string | undefined): string {
  if (name === undefined) throw new UsageError('--name is required')
  if (!ACCOUNT_NAME_PATTERN.test(name)) throw new UsageError('--name must be 1-64 letters, digits, dot, at, dash or underscore')
  return name
}

function parseRole (role: string | undefined): AdminRole {
  if (!adminRoles.includes(role as AdminRole)) throw new UsageError(`--role must be one of ${adminRoles.join(', ')}`)
  return role as AdminRole
}

/** `a,b` into a list of tenants; absent means every tenant. */
function parseTenants (tenants: string | undefined): string[] | null {
  if (tenants === undefined) return null
  const list = [...new Set(tenants.split(',').map((tenant) => tenant.trim()))]
  if (list.length === 0 || !list.every((tenant) => TENANT_PATTERN.test(tenant))) {
    throw new UsageError('--tenants must be a comma-separated list of tenant names (letters, digits, dot, dash or underscore)')
  }
  return list
}

interface Arguments {
  command: string | undefined
  name?: string
  role?: string
  tenants?: string
}

type Command =
  | { command: 'create', name: string, role: AdminRole, tenants: string[] | null }
  | { command: 'list' }
  | { command: 'disable' | 'reset-password', name: string }

/** The command the arguments ask for, checked whole before connecting, so a mistake answers at once. */
function command (args: Arguments): Command {
  switch (args.command) {
    case 'create':
      return { command: 'create', name: requiredName(args.name), role: parseRole(args.role), tenants: parseTenants(args.tenants) }
    case 'list':
      return { command: 'list' }
    case 'disable':
    case 'reset-password':
      return { command: args.command, name: requiredName(args.name) }
    default:
      throw new UsageError(args.command === undefined ? 'a command is required' : `unknown command: ${args.command}`)
  }
}

async function run (accounts: AdminAccounts, todo: Command): Promise<void> {
  switch (todo.command) {
    case 'create': {
      const { password } = await accounts.create(todo)
      console.log(`created ${todo.role} ${todo.name} for ${todo.tenants?.join(', ') ?? 'every tenant'}; its one-time password is shown only now:`)
      console.log(password)
      break
    }
    case 'list':
      for (const account of await accounts.list()) {
        const state = account.disabledAt === null ? 'active' : `disabled ${account.disabledAt.toISOString()}`
        console.log([account.name, account.role, account.tenants?.join(',') ?? '*', state].join('\t'))
      }
      break
    case 'disable':
      if (!await accounts.disable(todo.name)) throw new Error(`no account named ${todo.name}`)
      console.log(`disabled ${todo.name}; its sessions have ended`)
      break
    case 'reset-password': {
      const password = await accounts.resetPassword(todo.name)
      if (password === undefined) throw new Error(`no account named ${todo.name}`)
      console.log(`reset the password of ${todo.name} and ended its sessions; its one-time password is shown only now:`)
      console.log(password)
      break
    }
  }
}

// Exit codes: 0 done, 1 refused or failed (no such account, a name taken, no database), 2 usage.
const options = { name: { type: 'string' }, role: { type: 'string' }, tenants: { type: 'string' } } as const
await runCommand({ usage, allowPositionals: true, options }, async ({ values, positionals, config }) => {
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1]}`)
  const todo = command({ command: positionals[0], ...values } as Arguments)
  const pool = createPool(config.DATABASE_URL, { max: 1 })
  try {
    await runMigrations(pool)
    await run(new AdminAccounts(pool), todo)
  } finally {
    await pool.end()
  }
})
