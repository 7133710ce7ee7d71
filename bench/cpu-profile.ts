import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
}

interface CpuProfile {
  nodes: ProfileNode[]
  /** Microseconds on the system's monotonic clock. */
  startTime: number
  samples: number[]
  /** Microseconds between a sample and the one before it. */
  timeDeltas: number[]
}

export interface SelfTime { label: string, ms: number, share: number }

export interface ProfileSummary {
  threads: number
  /** Sampled time, idle excluded, in ms. */
  busyMs: number
  /** Self time by where the code lives: a package, a file of src/, Node's core, GC. */
  byPlace: SelfTime[]
  /** Self time by function. */
  byFunction: SelfTime[]
}

/** Where a frame's code lives, coarse enough to read as "what part of the stack costs". */
function placeOf (url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  const modules = url.lastIndexOf('/node_modules/')
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/')
    return scope.startsWith('@') ? `${scope}/${name}` : scope
  }
  const src = url.lastIndexOf('/src/')
  if (src >= 0) return url.slice(src + 1)
  const bench = url.lastIndexOf('/bench/')
  if (bench >= 0) return url.slice(bench + 1)
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`
  return url
}

function top (totals: Map<string, number>, busy: number, limit: number): SelfTime[] {
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, limit)
    .map(([label, micros]) => ({ label, ms: micros / 1000, share: micros / busy }))
}

/** Self time per place and per function, in µs, summed over any number of profiles. */
class SelfTimes {
  readonly byPlace = new Map<string, number>()
  readonly byFunction = new Map<string, number>()
  busy = 0

  /** Adds the samples of `profile` taken at or after `fromMicros` (the monotonic clock of process.hrtime). */
  add (profile: CpuProfile, fromMicros: number): void {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
    let at = profile.startTime
    profile.samples.forEach((id, index) => {
      const micros = profile.timeDeltas[index] ?? 0
      at += micros
      const node = nodes.get(id)
      if (at < fromMicros || node === undefined || node.callFrame.functionName === '(idle)') return
      this.busy += micros
      const { functionName, url, lineNumber } = node.callFrame
      const place = placeOf(url, functionName)
      this.byPlace.set(place, (this.byPlace.get(place) ?? 0) + micros)
      const name = `${functionName === '' ? '(anonymous)' : functionName} ${place}${url === '' ? '' : `:${lineNumber + 1}`}`
      this.byFunction.set(name, (this.byFunction.get(name) ?? 0) + micros)
    })
  }

  summary (threads: number, limit: number): ProfileSummary {
    return { threads, busyMs: this.busy / 1000, byPlace: top(this.byPlace, this.busy, limit), byFunction: top(this.byFunction, this.busy, limit) }
  }
}

/**
 * Summaries of the profiles `node --cpu-prof` wrote into `dir`: the main threads, and all
 * other threads (worker threads, the module loader's thread) together. Samples taken before
 * `fromMicros` (process.hrtime, in µs; V8 stamps samples with the same monotonic clock) are
 * left out, so a process's start does not count as its steady work.
 */
export async function summarizeProfiles (dir: string, fromMicros = 0, limit = 12): Promise<{ main: ProfileSummary, others: ProfileSummary }> {
  const files = (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.cpuprofile'))
  const main = new SelfTimes()
  const others = new SelfTimes()
  let mainCount = 0
  for (const name of files) {
    const profile = JSON.parse(await readFile(join(dir, name), 'utf8')) as CpuProfile
    // Named CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile; thread 0 is the main thread.
    const isMain = name.split('.')[4] === '0'
    if (isMain) mainCount++
    ;(isMain ? main : others).add(profile, fromMicros)
  }
  return { main: main.summary(mainCount, limit), others: others.summary(files.length - mainCount, limit) }
}

/** A Markdown section for one summary. */
export function renderProfile (title: string, summary: ProfileSummary): string {
  const pct = (share: number): string => `${(share * 100).toFixed(1)} %`
  return [
    `### ${title} (${summary.threads} thread${summary.threads === 1 ? '' : 's'}): self time, ${summary.busyMs.toFixed(0)} ms sampled, idle excluded`,
    '',
    '| where | share | | function | share |',
    '|---|---:|---|---|---:|',
    ...Array.from({ length: Math.max(summary.byPlace.length, summary.byFunction.length) }, (_, i) => {
      const place = summary.byPlace[i]
      const fn = summary.byFunction[i]
      return `| ${place?.label ?? ''} | ${place === undefined ? '' : pct(place.share)} | | ${fn?.label.replaceAll('|', '\\|') ?? ''} | ${fn === undefined ? '' : pct(fn.share)} |`
    }),
    ''
  ].join('\n')
}
