import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { TestContext } from './context.js'

const run = promisify(execFile)

/** Runs `npm run admins -- ...args` on the context's database; resolves to its stdout, rejects with its exit code and stderr. */
export function adminsCli (context: TestContext): (...args: string[]) => Promise<string> {
  return async (...args) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/bin/admins.ts', ...args], {
      env: { ...process.env, DATABASE_URL: context.config.DATABASE_URL }
    })
    return stdout
  }
}
