import { readFile } from 'node:fs/promises'

/** One pino line of a service log. */
export interface LogLine {
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
        lines.push(JSON.parse(line) as LogLine)
      } catch {}
    }
  }
  return lines
}

/** The lines whose message contains `text`. */
export function withMessage (lines: LogLine[], text: string): LogLine[] {
  return lines.filter((line) => typeof line.msg === 'string' && line.msg.includes(text))
}
