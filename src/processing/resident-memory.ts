import { readFileSync } from 'node:fs'

const anonymous = /^RssAnon:\s+(\d+) kB$/m
const resident = /^VmRSS:\s+(\d+) kB$/m

/**
 * The private resident memory of process `pid` in bytes, from Linux's `/proc/<pid>/status`:
 * `RssAnon`, the pages only that process can have caused (V8 heap, Buffers and
 * ArrayBuffers, wasm memories, native allocations), without the node binary and libraries
 * it shares with every other process. Kernels before 4.5 lack `RssAnon`; there the whole
 * `VmRSS` counts. Null where there is no /proc (macOS, Windows) or the process is gone.
 */
export function readPrivateResidentBytes (pid: number): number | null {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1')
  } catch {
    return null
  }
  const match = anonymous.exec(status) ?? resident.exec(status)
  return match === null ? null : Number(match[1]) * 1024
}
