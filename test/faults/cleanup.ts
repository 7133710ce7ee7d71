/**
 * Everything the run must undo whatever happens: processes to kill, a cluster to stop, databases
 * to drop. Cleanups run newest first, each once, and one failing does not stop the others.
 */
const cleanups: Array<{ name: string, run: () => Promise<void> }> = []
// Synchronous last resorts (kill -9 of children) for an exit that leaves no time for promises.
const lastResorts = new Set<() => void>()

/** Registers an async cleanup; the returned function unregisters it (once it was done otherwise). */
export function onCleanup (name: string, run: () => Promise<void>): () => void {
  const entry = { name, run }
  cleanups.push(entry)
  return () => {
    const index = cleanups.indexOf(entry)
    if (index !== -1) cleanups.splice(index, 1)
  }
}

/** Registers a synchronous action for process exit (normal or not); returns its remover. */
export function onExitSync (action: () => void): () => void {
  lastResorts.add(action)
  return () => { lastResorts.delete(action) }
}

/** Runs every registered cleanup, newest first; returns the errors instead of throwing. */
export async function runCleanups (): Promise<string[]> {
  const errors: string[] = []
  while (cleanups.length > 0) {
    const entry = cleanups.pop()
    if (entry === undefined) break
    await entry.run().catch((error: Error) => errors.push(`${entry.name}: ${error.message}`))
  }
  return errors
}

function runLastResorts (): void {
  for (const action of lastResorts) {
    try { action() } catch {}
  }
  lastResorts.clear()
}

let interrupted = false

/**
 * On Ctrl-C or SIGTERM: run the cleanups (bounded), then exit 130. A second signal skips
 * straight to the synchronous kills. On any exit the synchronous kills run.
 */
export function installSignalHandlers (log: (line: string) => void): void {
  process.on('exit', runLastResorts)
  const handle = (signal: NodeJS.Signals): void => {
    if (interrupted) {
      runLastResorts()
      process.exit(130)
    }
    interrupted = true
    log(`\nfaults: ${signal} received; stopping every process and engine the run started`)
    const timer = setTimeout(() => { runLastResorts(); process.exit(130) }, 15_000)
    runCleanups().finally(() => {
      clearTimeout(timer)
      runLastResorts()
      process.exit(130)
    })
  }
  process.on('SIGINT', handle)
  process.on('SIGTERM', handle)
}
