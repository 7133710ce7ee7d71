import { existsSync } from 'node:fs'
import { loadEnvFile } from 'node:process'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError, loadConfig, type Config } from '../config.js'
import { describeStartupProblem } from './startup-problem.js'

/** A mistake in the command line: the message and the usage are printed, and the exit code is 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export interface CommandSpec {
  /** Printed for --help, and after a usage mistake. */
  usage: string
  options?: NonNullable<ParseArgsConfig['options']>
  allowPositionals?: boolean
}

export interface CommandInput {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
  config: Config
}

const ENV_FILE = '.env'

/**
 * Runs a docqueue command the same way for every entry point: reads `.env` from the working
 * directory when there is one (variables already set win), answers `--help`, and turns every
 * mistake into one line saying what, where and how to fix it, with an exit code a script can
 * use (0 done, 1 failed, 2 usage or configuration), instead of a stack trace.
 */
export async function runCommand (spec: CommandSpec, main: (input: CommandInput) => Promise<void>): Promise<void> {
  let config: Config | undefined
  try {
    if (existsSync(ENV_FILE)) loadEnvFile(ENV_FILE)
    const { values, positionals } = parseArguments(spec)
    if (values.help === true) {
      console.log(spec.usage)
      return
    }
    config = loadConfig(process.env)
    await main({ values, positionals, config })
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${spec.usage}`)
      process.exitCode = 2
    } else if (error instanceof ConfigError) {
      console.error(`${error.message} (set it in the environment or in ${ENV_FILE}; .env.example lists every setting)`)
      process.exitCode = 2
    } else {
      console.error(describeStartupProblem(error, config))
      process.exitCode = 1
    }
  }
}

function parseArguments (spec: CommandSpec): Pick<CommandInput, 'values' | 'positionals'> {
  try {
    return parseArgs({
      allowPositionals: spec.allowPositionals ?? false,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } }
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}
