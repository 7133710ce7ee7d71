import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Kernel clock ticks per second, the unit of the CPU times in /proc. */
const ticksPerSecond = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

function readProc (pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return undefined
  }
}

/** The process and its descendants, from Linux's /proc (each thread's children list). */
export function processTree (root: number): number[] {
  const pids = [root]
  for (let i = 0; i < pids.length; i++) {
    const tasks = readProc(pids[i], `task/${pids[i]}/children`) ?? ''
    for (const child of tasks.trim().split(/\s+/).filter(Boolean)) pids.push(Number(child))
  }
  return pids
}

function residentKiB (pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readProc(pid, 'status') ?? '')?.[1] ?? 0)
}

function cpuTicks (pid: number): number | undefined {
  const stat = readProc(pid, 'stat')
  if (stat === undefined) return undefined
  // The name sits in parentheses and may contain spaces; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

export interface TreeSample {
  /** Highest sum of the tree's resident memory seen at one instant, in MiB. */
  peakRssMiB: number
  /** The same peak for the processes `select` kept. */
  peakSelectedRssMiB: number
  /** The same peak for the others (the root, and any child `select` did not keep). */
  peakOthersRssMiB: number
  /** CPU seconds (user + system) that the processes `select` kept used while sampled. */
  selectedCpuSeconds: number
  /** How many processes were seen over the whole run (replaced ones included). */
  processesSeen: number
}

/**
 * Samples a process tree every `everyMs`: the peak of its summed resident memory (the
 * memory the tree really holds at once, unlike a sum of each process's own peak, which
 * happen at different times) and the CPU time of the selected processes. A process that
 * exits is counted with its last sample, so a replaced extraction process still counts.
 */
export class ProcessTreeSampler {
  readonly #root: number
  readonly #select: (pid: number) => boolean
  readonly #timer: NodeJS.Timeout
  readonly #firstTicks = new Map<number, number>()
  readonly #lastTicks = new Map<number, number>()
  #peak = 0
  #peakSelected = 0
  #peakOthers = 0
  #current = { selectedMiB: 0, othersMiB: 0 }
  /** Set by resetCpu: a process first seen after it started within the count, all its time counts. */
  #counting = false

  constructor (root: number, select: (pid: number) => boolean, everyMs = 50) {
    this.#root = root
    this.#select = select
    this.sample()
    this.#timer = setInterval(() => { this.sample() }, everyMs)
    this.#timer.unref()
  }

  /** Takes one sample now; call it right before reading results so the end is not missed. */
  sample (): void {
    let total = 0
    let selected = 0
    for (const pid of processTree(this.#root)) {
      const kib = residentKiB(pid)
      total += kib
      if (!this.#select(pid)) continue
      selected += kib
      const ticks = cpuTicks(pid)
      if (ticks === undefined) continue
      if (!this.#firstTicks.has(pid)) this.#firstTicks.set(pid, this.#counting ? 0 : ticks)
      this.#lastTicks.set(pid, ticks)
    }
    this.#peak = Math.max(this.#peak, total / 1024)
    this.#peakSelected = Math.max(this.#peakSelected, selected / 1024)
    this.#peakOthers = Math.max(this.#peakOthers, (total - selected) / 1024)
    this.#current = { selectedMiB: selected / 1024, othersMiB: (total - selected) / 1024 }
  }

  /** The last sample's resident memory: the selected processes' sum, and the others'. */
  get current (): { selectedMiB: number, othersMiB: number } {
    return this.#current
  }

  /** The peaks so far, in MiB: the whole tree, the selected processes, the others. */
  get peaks (): { totalMiB: number, selectedMiB: number, othersMiB: number } {
    return { totalMiB: this.#peak, selectedMiB: this.#peakSelected, othersMiB: this.#peakOthers }
  }

  /** Starts the CPU count afresh (after a warm-up) while keeping the processes known. */
  resetCpu (): void {
    this.sample()
    for (const [pid, ticks] of this.#lastTicks) this.#firstTicks.set(pid, ticks)
    this.#counting = true
  }

  stop (): TreeSample {
    this.sample()
    clearInterval(this.#timer)
    let ticks = 0
    for (const [pid, last] of this.#lastTicks) ticks += last - (this.#firstTicks.get(pid) ?? last)
    return {
      peakRssMiB: this.#peak,
      peakSelectedRssMiB: this.#peakSelected,
      peakOthersRssMiB: this.#peakOthers,
      selectedCpuSeconds: ticks / ticksPerSecond,
      processesSeen: this.#lastTicks.size
    }
  }
}

/** True for an extraction process (its command line names the child entry). */
export function isExtractionProcess (pid: number): boolean {
  return (readProc(pid, 'cmdline') ?? '').includes('extraction-child')
}
