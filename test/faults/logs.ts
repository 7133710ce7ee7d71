import { readFile } from 'node:fs/promises'

/** One pino line of a service log. */
export interface LogLine {
  /** Milliseconds since the epoch. */
  time?: number
  level?: number
  msg?: string
  [field: string]: unknown
}

/** Every JSON log line of the given files, in file order; other lines (harness markers) are skipped. */
export async function readLogLines (paths: string[]): Promise<LogLine[]> {
  const lines: LogLine[] = []
  for (const path of paths) {
    const content = await readFile(path, 'utf8').catch(() => '')
    for (const line of content.split('\n')) {
      if (!line.startsWith('{')) continue
      try {
        const parsed = JSON.parse(line) as Omit<LogLine, 'time'> & { time?: unknown }
        // The services log ISO 8601 times; the scenarios compare them with Date.now() values.
        lines.push({ ...parsed, time: typeof parsed.time === 'string' ? Date.parse(parsed.time) : parsed.time as number | undefined })
      } catch {}
    }
  }
  return lines
}

/** The lines whose message contains `text`. */
export function withMessage (lines: LogLine[], text: string): LogLine[] {
  return lines.filter((line) => typeof line.msg === 'string' && line.msg.includes(text))
}
