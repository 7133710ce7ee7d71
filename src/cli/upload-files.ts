import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from '../bin/entry-point.js'

export interface UploadFile {
  /** As given, or under the directory given, so the summary names files the way the user did. */
  path: string
  size: number
}

/** Files under a directory, every level down, in name order; hidden entries (.git, .DS_Store) are left out. */
async function filesUnder (directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true })
  const paths: string[] = []
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue
    const path = join(directory, entry.name)
    if (entry.isDirectory()) paths.push(...await filesUnder(path))
    else if (entry.isFile()) paths.push(path)
  }
  return paths
}

/**
 * The files that `upload FILES|DIR` names, checked before anything is sent: a path that does
 * not exist, or nothing to upload at all, is a usage mistake, not a half-done upload.
 */
export async function listUploadFiles (paths: string[]): Promise<UploadFile[]> {
  const files: UploadFile[] = []
  for (const path of paths) {
    const stats = await stat(path).catch(() => undefined)
    if (stats === undefined) throw new UsageError(`no such file or directory: ${path}`)
    const found = stats.isDirectory() ? await filesUnder(path) : [path]
    for (const file of found) files.push({ path: file, size: file === path ? stats.size : (await stat(file)).size })
  }
  if (files.length === 0) throw new UsageError(`no files to upload in ${paths.join(', ')}`)
  return files
}
