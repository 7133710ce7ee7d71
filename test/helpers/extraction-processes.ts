import { readFileSync } from 'node:fs'

/**
 * Pids of this process's extraction children, from Linux's /proc (the tests that use it
 * check that killed processes are gone and replaced).
 */
export function extractionProcessIds (): number[] {
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('extraction-child')
    } catch {
      return false
    }
  })
}

/** Resident memory of process `pid` in MiB (`VmRSS`, or its peak so far `VmHWM`), or 0 once it is gone. */
export function residentMiB (pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? 0 : Number(match[1]) / 1024
  } catch {
    return 0
  }
}
