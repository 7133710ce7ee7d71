import type { AnyInfrastructure } from '../infrastructure.js'
import { createSweeper } from '../worker/sweep.js'
import { parseAdminCommand, runAdminCommand, type AdminArguments } from './admins-command.js'
import type { Print } from './command-arguments.js'
import { UsageError } from './entry-point.js'
import { parseKeyCommand, runKeyCommand, type KeyArguments } from './keys-command.js'

/** What `npm run admins`, `keys` and `sweep` ask of the data: run here, or sent to the embedded service that holds it. */
export type MaintenanceRequest =
  | { command: 'admins', args: AdminArguments }
  | { command: 'keys', args: KeyArguments }
  | { command: 'sweep', limit: number }

export function parseSweepLimit (value: unknown): number {
  const limit = typeof value === 'string' ? Number(value) : value
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer')
  return limit
}

/**
 * Runs a request on an infrastructure: the embedded data opened by the command itself, or the
 * running embedded service's own. Its arguments are checked again here, since over the control
 * channel they come from another process.
 */
export async function runMaintenance (infra: AnyInfrastructure, request: unknown, print: Print): Promise<void> {
  const { command, args, limit } = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>
  switch (command) {
    case 'admins':
      await runAdminCommand(infra.pool, parseAdminCommand(args), print)
      return
    case 'keys':
      await runKeyCommand(infra.pool, parseKeyCommand(args), print)
      return
    case 'sweep': {
      const sweeper = createSweeper(infra)
      try {
        print(JSON.stringify(await sweeper.sweep(parseSweepLimit(limit))))
      } finally {
        await sweeper.close()
      }
      return
    }
    default:
      throw new UsageError(`unknown maintenance command: ${String(command)}`)
  }
}
