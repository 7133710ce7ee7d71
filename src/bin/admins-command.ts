import { ACCOUNT_NAME_PATTERN, AdminAccounts, TENANT_PATTERN } from '../admin/admin-accounts.js'
import type { Pool } from '../db/pool.js'
import { adminRoles, type AdminRole } from '../states.js'
import { UsageError } from './entry-point.js'
import { stringFields, type Print } from './command-arguments.js'

/** The arguments of `npm run admins`, as typed: sent as they are to a running embedded service, which checks them again. */
export interface AdminArguments {
  command?: string
  name?: string
  role?: string
  tenants?: string
}

export type AdminCommand =
  | { command: 'create', name: string, role: AdminRole, tenants: string[] | null }
  | { command: 'list' }
  | { command: 'disable' | 'reset-password', name: string }

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

/** The command the arguments ask for, checked whole before connecting, so a mistake answers at once. */
export function parseAdminCommand (value: unknown): AdminCommand {
  const args: AdminArguments = stringFields(value, ['command', 'name', 'role', 'tenants'])
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

export async function runAdminCommand (pool: Pool, todo: AdminCommand, print: Print): Promise<void> {
  const accounts = new AdminAccounts(pool)
  switch (todo.command) {
    case 'create': {
      const { password } = await accounts.create(todo)
      print(`created ${todo.role} ${todo.name} for ${todo.tenants?.join(', ') ?? 'every tenant'}; its one-time password is shown only now:`)
      print(password)
      break
    }
    case 'list':
      for (const account of await accounts.list()) {
        const state = account.disabledAt === null ? 'active' : `disabled ${account.disabledAt.toISOString()}`
        print([account.name, account.role, account.tenants?.join(',') ?? '*', state].join('\t'))
      }
      break
    case 'disable':
      if (!await accounts.disable(todo.name)) throw new Error(`no account named ${todo.name}`)
      print(`disabled ${todo.name}; its sessions have ended`)
      break
    case 'reset-password': {
      const password = await accounts.resetPassword(todo.name)
      if (password === undefined) throw new Error(`no account named ${todo.name}`)
      print(`reset the password of ${todo.name} and ended its sessions; its one-time password is shown only now:`)
      print(password)
      break
    }
  }
}
