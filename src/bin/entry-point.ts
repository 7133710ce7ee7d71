import { existsSync } from 'node:fs'
import { loadEnvFile } from 'node:process'
import { parseArgs, type ParseArgsConfig } from 'node:util'

/** A mistake in the command line: the message and the usage are printed, and the exit code is 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** A command that failed in a way a script must tell apart: one line, and the exit code `exitCode`. */
export class CommandFailure extends Error {
  override name = 'CommandFailure'
  constructor (message: string, readonly exitCode: number) {
    super(message)
  }
}

export interface CommandSpec {
  /** Printed for --help, and after a usage mistake. */
  usage: string
  options?: NonNullable<ParseArgsConfig['options']>
  allowPositionals?: boolean
}

export interface EntryPointInput {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
}

export const ENV_FILE = '.env'

/**
 * What every docqueue command line shares, the service's commands and the API client alike:
 * reads `.env` from the working directory when there is one (variables already set win),
 * answers `--help`, and turns every mistake into one line instead of a stack trace, with an
 * exit code a script can use: 2 for a usage mistake, a CommandFailure's own code, and 1 for
 * anything else, worded by `describe`.
 */
export async function runEntryPoint (spec: CommandSpec, main: (input: EntryPointInput) => Promise<void>, describe: (error: unknown) => string): Promise<void> {
  try {
    if (existsSync(ENV_FILE)) loadEnvFile(ENV_FILE)
    const input = parseArguments(spec)
    if (input.values.help === true) {
      console.log(spec.usage)
      return
    }
    await main(input)
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${spec.usage}`)
      process.exitCode = 2
    } else if (error instanceof CommandFailure) {
      console.error(error.message)
      process.exitCode = error.exitCode
    } else {
      console.error(describe(error))
      process.exitCode = 1
    }
  }
}

function parseArguments (spec: CommandSpec): EntryPointInput {
  try {
    return parseArgs({
      allowPositionals: spec.allowPositionals ?? false,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } }
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}
