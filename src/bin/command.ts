import { ConfigError, loadConfig, type Config } from '../config.js'
import { CommandFailure, ENV_FILE, runEntryPoint, type CommandSpec, type EntryPointInput } from './entry-point.js'
import { describeStartupProblem } from './startup-problem.js'

export { UsageError } from './entry-point.js'

export interface CommandInput extends EntryPointInput {
  config: Config
}

/**
 * Runs a command of the service (an entry point of src/bin) on its configuration from the
 * environment, with exit codes 0 done, 1 failed, 2 usage or configuration mistake. A first-run
 * problem (Postgres or Redis not answering, a database that does not exist) says which setting
 * to check instead of showing a stack trace.
 */
export async function runCommand (spec: CommandSpec, main: (input: CommandInput) => Promise<void>): Promise<void> {
  let config: Config | undefined
  await runEntryPoint(spec, async (input) => {
    try {
      config = loadConfig(process.env)
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      throw new CommandFailure(`${error.message} (set it in the environment or in ${ENV_FILE}; .env.example lists every setting)`, 2)
    }
    await main({ ...input, config })
  }, (error) => describeStartupProblem(error, config))
}
