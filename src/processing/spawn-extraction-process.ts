import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ownExtension = path.extname(fileURLToPath(import.meta.url))

/**
 * The child's entry beside this module, with this module's own extension: `.ts` when the
 * service runs from its TypeScript sources, `.js` once compiled.
 */
const childEntry = fileURLToPath(new URL(`./extraction-child${ownExtension}`, import.meta.url))

/**
 * From TypeScript sources the child loads itself through tsx, whatever loader the parent
 * runs under (tsx, tap's, or a `-e` script's): the parent's command line is not inherited,
 * since `-e` with its script, `--input-type`, an inspector port or the parent's heap size
 * must not reach the child, and a heavier loader would count against the child's memory limit.
 */
const loaderArgs = ownExtension === '.ts' ? ['--import', import.meta.resolve('tsx')] : []

/**
 * Starts one extraction process with a V8 heap ceiling of `maxMemoryMb`, an IPC channel that
 * carries Buffers as they are (structured clone), and its console output piped to the parent,
 * which caps it.
 */
export function spawnExtractionProcess (maxMemoryMb: number): ChildProcess {
  return fork(childEntry, [], {
    execArgv: [...loaderArgs, `--max-old-space-size=${maxMemoryMb}`],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc']
  })
}
