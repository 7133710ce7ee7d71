import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Thrown when another live process holds the folder. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError'
  constructor (message: string, readonly holder: number) {
    super(message)
  }
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The live process other than this one that holds `dataDir`, if any: what lockDataDir would refuse. */
export async function dataDirHolder (dataDir: string): Promise<number | undefined> {
  const holder = Number.parseInt(await readFile(join(dataDir, 'docqueue.pid'), 'utf8').catch(() => ''), 10)
  return Number.isInteger(holder) && holder !== process.pid && isAlive(holder) ? holder : undefined
}

/**
 * Takes `<dataDir>/docqueue.pid` for this process. PGlite has no lock of its own, and two
 * processes writing one database folder would corrupt it; a pid file left by a process that
 * died is taken over. Returns the release.
 */
export async function lockDataDir (dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true })
  const file = join(dataDir, 'docqueue.pid')
  for (;;) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' })
      return async () => { await rm(file, { force: true }) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = await dataDirHolder(dataDir)
    if (holder !== undefined) {
      throw new DataDirInUseError(`another docqueue process (pid ${holder}) is using ${dataDir}; stop it first, or set DATA_DIR to another folder`, holder)
    }
    await rm(file, { force: true })
  }
}
