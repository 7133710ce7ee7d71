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

/** Memory of one process or a sum over processes, in KiB or MiB as the name around it says. */
export interface Memory {
  /** Resident pages, each shared page (the node binary, libraries) counted in full. */
  rss: number
  /** Proportional set size: each shared page divided among the processes that map it. */
  pss: number
}

/** The same memory for the sampled tree, for the processes `select` kept, and for the others. */
export interface TreeMemory {
  total: Memory
  selected: Memory
  others: Memory
}

const rssLine = /^Rss:\s+(\d+) kB$/m
const pssLine = /^Pss:\s+(\d+) kB$/m

/**
 * The process's memory in KiB from /proc/<pid>/smaps_rollup. Summing `Pss` over processes
 * counts a page they share once (a page shared with processes outside the sum, such as
 * another node process of the machine, is counted only in part); summing `Rss` counts it
 * once per process.
 */
function memoryKiB (pid: number): Memory {
  const rollup = readProc(pid, 'smaps_rollup') ?? ''
  return { rss: Number(rssLine.exec(rollup)?.[1] ?? 0), pss: Number(pssLine.exec(rollup)?.[1] ?? 0) }
}

function add (a: Memory, b: Memory): Memory {
  return { rss: a.rss + b.rss, pss: a.pss + b.pss }
}

function higher (a: Memory, b: Memory): Memory {
  return { rss: Math.max(a.rss, b.rss), pss: Math.max(a.pss, b.pss) }
}

function inMiB (kib: Memory): Memory {
  return { rss: kib.rss / 1024, pss: kib.pss / 1024 }
}

const none: Memory = { rss: 0, pss: 0 }
const noTree: TreeMemory = { total: none, selected: none, others: none }

function cpuTicks (pid: number): number | undefined {
  const stat = readProc(pid, 'stat')
  if (stat === undefined) return undefined
  // The name sits in parentheses and may contain spaces; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

export interface TreeSample {
  /** Highest sums seen at one instant, in MiB, each on its own (they need not fall at the same instant). */
  peaks: TreeMemory
  /** CPU seconds (user + system) that the processes `select` kept used while sampled. */
  selectedCpuSeconds: number
  /** How many processes were seen over the whole run (replaced ones included). */
  processesSeen: number
}

/**
 * Samples a process tree every `everyMs`: the peaks of its summed memory (the memory the
 * tree really holds at once, unlike a sum of each process's own peak, which happen at
 * different times) and the CPU time of the selected processes. A process that exits is
 * counted with its last sample, so a replaced extraction process still counts.
 */
export class ProcessTreeSampler {
  readonly #root: number
  readonly #select: (pid: number) => boolean
  readonly #timer: NodeJS.Timeout
  readonly #firstTicks = new Map<number, number>()
  readonly #lastTicks = new Map<number, number>()
  #peaks = noTree
  #current = noTree
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
    let selected = none
    let others = none
    for (const pid of processTree(this.#root)) {
      const memory = memoryKiB(pid)
      if (!this.#select(pid)) {
        others = add(others, memory)
        continue
      }
      selected = add(selected, memory)
      const ticks = cpuTicks(pid)
      if (ticks === undefined) continue
      if (!this.#firstTicks.has(pid)) this.#firstTicks.set(pid, this.#counting ? 0 : ticks)
      this.#lastTicks.set(pid, ticks)
    }
    this.#current = { total: inMiB(add(selected, others)), selected: inMiB(selected), others: inMiB(others) }
    this.#peaks = {
      total: higher(this.#peaks.total, this.#current.total),
      selected: higher(this.#peaks.selected, this.#current.selected),
      others: higher(this.#peaks.others, this.#current.others)
    }
  }

  /** The last sample's memory, in MiB. */
  get current (): TreeMemory {
    return this.#current
  }

  /** The peaks so far, in MiB. */
  get peaks (): TreeMemory {
    return this.#peaks
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
    return { peaks: this.#peaks, selectedCpuSeconds: ticks / ticksPerSecond, processesSeen: this.#lastTicks.size }
  }
}

/** True for an extraction process (its command line names the child entry). */
export function isExtractionProcess (pid: number): boolean {
  return (readProc(pid, 'cmdline') ?? '').includes('extraction-child')
}
