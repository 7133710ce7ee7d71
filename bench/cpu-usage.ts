import { execFileSync } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'

/** Kernel clock ticks per second, the unit of the times in /proc. */
const ticksPerSecond = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU time per process (user + system, all threads), in ticks, with the process name. */
interface ProcessTimes { comm: string, ticks: number }

export interface CpuSnapshot {
  at: number
  processes: Map<number, ProcessTimes>
  /** Busy ticks of the whole machine (user, system, interrupts; not idle, iowait or steal), summed over cores. */
  machineBusy: number
}

async function readProcessTimes (pid: number): Promise<ProcessTimes | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (stat === undefined) return undefined
  // The name sits in parentheses and may itself contain spaces or parentheses.
  const close = stat.lastIndexOf(')')
  const comm = stat.slice(stat.indexOf('(') + 1, close)
  const fields = stat.slice(close + 2).split(' ')
  // Fields 14 and 15 of stat(5) (utime, stime); `fields` starts at field 3.
  return { comm, ticks: Number(fields[11]) + Number(fields[12]) }
}

/** Reads the CPU time of every process and of the machine. */
export async function cpuSnapshot (): Promise<CpuSnapshot> {
  const processes = new Map<number, ProcessTimes>()
  const entries = await readdir('/proc')
  await Promise.all(entries.filter((entry) => /^\d+$/.test(entry)).map(async (entry) => {
    const times = await readProcessTimes(Number(entry))
    if (times !== undefined) processes.set(Number(entry), times)
  }))
  const total = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const machineBusy = total[0] + total[1] + total[2] + total[5] + total[6]
  return { at: performance.now(), processes, machineBusy }
}

/** Cores busy on the whole machine over `ms`, before the bench starts anything. */
export async function backgroundLoad (ms = 1_000): Promise<number> {
  const before = await cpuSnapshot()
  await new Promise((resolve) => setTimeout(resolve, ms))
  return cpuCores(before, await cpuSnapshot(), {}).machine
}

/**
 * Cores used between two snapshots, per group. A group is a list of pids or a process name
 * (every process of that name, such as all Postgres backends). Processes that ended between
 * the snapshots are missed; the bench keeps its own processes alive across a measurement.
 */
export function cpuCores (before: CpuSnapshot, after: CpuSnapshot, groups: Record<string, number[] | string>): Record<string, number> {
  const seconds = (after.at - before.at) / 1000
  const cores: Record<string, number> = {}
  for (const [name, selector] of Object.entries(groups)) {
    let ticks = 0
    for (const [pid, times] of after.processes) {
      const selected = typeof selector === 'string' ? times.comm === selector : selector.includes(pid)
      if (!selected) continue
      const earlier = before.processes.get(pid)
      ticks += times.ticks - (earlier !== undefined && earlier.comm === times.comm ? earlier.ticks : 0)
    }
    cores[name] = ticks / ticksPerSecond / seconds
  }
  const grouped = Object.values(cores).reduce((sum, value) => sum + value, 0)
  cores.machine = (after.machineBusy - before.machineBusy) / ticksPerSecond / seconds
  // Whatever else ran: other people's processes on a shared machine, the kernel, exited processes.
  cores.other = Math.max(0, cores.machine - grouped)
  return cores
}

/**
 * Waits until the processes `pids()` names (asked again at each poll, so children started
 * meanwhile count) have used less than `idleCores` over the last `windowMs`: a worker that has
 * loaded its code and started its extraction processes. Rejects after `timeoutMs`, or when
 * `check()` throws (a worker that exited).
 */
export async function waitUntilIdle (pids: () => number[], options: { idleCores: number, windowMs: number, timeoutMs: number, check: () => void }): Promise<void> {
  const deadline = performance.now() + options.timeoutMs
  let earlier = await cpuSnapshot()
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, options.windowMs))
    options.check()
    const now = await cpuSnapshot()
    if (cpuCores(earlier, now, { group: pids() }).group < options.idleCores) return
    if (performance.now() > deadline) throw new Error(`the processes were still busy after ${options.timeoutMs / 1000} s`)
    earlier = now
  }
}
