import { readFile, writeFile } from 'node:fs/promises'

/** A process's memory as the kernel counts it (Linux `/proc/<pid>/status`), in bytes. */
export interface ProcessMemory {
  /** Resident set size now. */
  rss: number
  /** Peak resident set size since the start, or since `resetPeakRss`. */
  peakRss: number
}

function statusField (status: string, name: string): number {
  const kb = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1]
  if (kb === undefined) throw new Error(`/proc status has no ${name} line`)
  return Number(kb) * 1024
}

/** The resident and peak resident memory of process `pid`, threads included. */
export async function processMemory (pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return { rss: statusField(status, 'VmRSS'), peakRss: statusField(status, 'VmHWM') }
}

/** Sets the peak (VmHWM) of process `pid` back to its current RSS, so a later peak belongs to what ran in between. */
export async function resetPeakRss (pid: number): Promise<void> {
  // "5" is the kernel's command to reset the peak RSS (Documentation/filesystems/proc.rst, clear_refs).
  await writeFile(`/proc/${pid}/clear_refs`, '5')
}

/** Bytes that arrived on the TCP sockets whose local port is `port` (the server side) and that nobody has read yet. */
export async function unreadBytesOnPort (port: number): Promise<number> {
  let unread = 0
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '')
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue ...
      const fields = line.trim().split(/\s+/)
      if (fields.length < 5) continue
      const localPort = parseInt(fields[1].split(':').at(-1) ?? '', 16)
      if (localPort !== port) continue
      unread += parseInt(fields[4].split(':')[1], 16)
    }
  }
  return unread
}
