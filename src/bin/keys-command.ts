import type { Pool } from '../db/pool.js'
import { ApiKeyService } from '../services/api-key-service.js'
import { UsageError } from './entry-point.js'
import { stringFields, type Print } from './command-arguments.js'

/** The arguments of `npm run keys`, as typed: sent as they are to a running embedded service, which checks them again. */
export interface KeyArguments {
  command?: string
  tenant?: string
  id?: string
}

export type KeyCommand =
  | { command: 'create', tenant: string }
  | { command: 'list' }
  | { command: 'revoke', id: string }

/** The command the arguments ask for, checked whole before connecting, so a mistake answers at once. */
export function parseKeyCommand (value: unknown): KeyCommand {
  const args: KeyArguments = stringFields(value, ['command', 'tenant', 'id'])
  switch (args.command) {
    case 'create': {
      const tenant = args.tenant?.trim() ?? ''
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(tenant)) throw new UsageError('--tenant must be 1-64 letters, digits, dot, dash or underscore')
      return { command: 'create', tenant }
    }
    case 'list':
      return { command: 'list' }
    case 'revoke':
      if (args.id === undefined) throw new UsageError('--id is required')
      return { command: 'revoke', id: args.id }
    default:
      throw new UsageError(args.command === undefined ? 'which command?' : `unknown command: ${args.command}`)
  }
}

export async function runKeyCommand (pool: Pool, todo: KeyCommand, print: Print): Promise<void> {
  const keys = new ApiKeyService(pool)
  switch (todo.command) {
    case 'create': {
      const created = await keys.create(todo.tenant)
      print(`created key ${created.id} for tenant ${created.tenant}; it is shown only now:`)
      print(created.key)
      break
    }
    case 'list':
      for (const key of await keys.list()) print(`${key.id}\t${key.tenant}\t${key.createdAt.toISOString()}`)
      break
    case 'revoke':
      if (!await keys.revoke(todo.id)) throw new Error(`no active key with id ${todo.id}`)
      print(`revoked ${todo.id}`)
      break
  }
}
