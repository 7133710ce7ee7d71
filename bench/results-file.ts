import { readFile, writeFile } from 'node:fs/promises'

/** The section of bench/results.md that `npm run bench:counts` writes. */
export const COUNTS_HEADING = 'Counts at scale'

/** The section of bench/results.md that `npm run bench -- --scale` writes. */
export const SCALE_HEADING = 'Scale'

/** The `## heading` section of a Markdown text, up to the next `## ` heading; '' when absent. */
export function sectionOf (markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`)
  if (start === -1) return ''
  const end = markdown.indexOf('\n## ', start + 1)
  return markdown.slice(start, end === -1 ? undefined : end)
}

/** The `## ` headings of a Markdown text, in order. */
function headingsOf (markdown: string): string[] {
  return [...markdown.matchAll(/^## (.+)$/gm)].map((match) => match[1] as string)
}

/**
 * The `## ` sections of `previous` whose headings neither `current` has nor `alsoOwned` names, in
 * their order: a benchmark that rewrites the file keeps what other benchmarks (and people) wrote
 * there, and drops its own sections of an earlier run that this run did not write.
 */
export function sectionsNotIn (previous: string, current: string, alsoOwned: string[] = []): string {
  const owned = new Set([...headingsOf(current), ...alsoOwned])
  return headingsOf(previous).filter((heading) => !owned.has(heading)).map((heading) => sectionOf(previous, heading)).join('')
}

/**
 * Writes `body` as the `## heading` section of the results file, in place of the one there, or
 * at the end: each benchmark owns its section and leaves the others' figures alone.
 */
export async function writeResultsSection (file: string, heading: string, body: string): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => '')
  const old = sectionOf(current, heading)
  const section = `\n## ${heading}\n\n${body.trim()}\n`
  await writeFile(file, old === '' ? `${current.trimEnd()}\n${section}` : current.replace(old, section.trimEnd() + '\n'))
}
