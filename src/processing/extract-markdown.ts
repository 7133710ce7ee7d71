import { decodeText } from './decode-text.js'
import type { Extractor } from './extraction.js'
import { htmlFragmentToText } from './html-text.js'
import { cleanMetadataValue } from './document-metadata.js'
import { commentClose, commentOpen, removeSpans, scriptClose, scriptOpen, styleClose, styleOpen } from './remove-spans.js'

interface FrontMatter {
  values: Record<string, string>
  body: string
}

const yamlFrontMatter = /^---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/
const tomlFrontMatter = /^\+\+\+[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?\+\+\+[ \t]*(?:\r?\n|$)/

function unquote (value: string): string {
  const trimmed = value.trim()
  if (/^"(?:[^"\\]|\\.)*"$/.test(trimmed)) return trimmed.slice(1, -1).replace(/\\(.)/g, '$1')
  if (/^'(?:[^']|'')*'$/.test(trimmed)) return trimmed.slice(1, -1).replace(/''/g, "'")
  return trimmed.replace(/\s+#.*$/, '')
}

/**
 * Reads the top-level keys of YAML (or TOML) front matter. Scalars keep their value; lists
 * and nested blocks are flattened to a comma-separated string, which is all the contract's
 * Record<string, string> can hold. No YAML features that execute or include anything.
 */
function parseFrontMatter (source: string): FrontMatter | null {
  const yaml = yamlFrontMatter.exec(source)
  const toml = yaml === null ? tomlFrontMatter.exec(source) : null
  const match = yaml ?? toml
  if (match === null) return null
  const values: Record<string, string> = {}
  let currentKey: string | null = null
  const nested: string[] = []
  const closeKey = (): void => {
    if (currentKey !== null && nested.length > 0) values[currentKey] = nested.join(', ')
    nested.length = 0
  }
  for (const line of (match[1] ?? '').split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue
    const pair = toml === null
      ? /^([A-Za-z0-9_][\w.-]*)\s*:(?:\s+(.*)|\s*)$/.exec(line)
      : /^([A-Za-z0-9_][\w.-]*)\s*=\s*(.*)$/.exec(line)
    if (pair !== null && !/^\s/.test(line)) {
      closeKey()
      currentKey = pair[1] as string
      const value = unquote(pair[2] ?? '')
      if (value !== '' && value !== '|' && value !== '>') values[currentKey] = value.replace(/^\[(.*)\]$/, '$1')
      continue
    }
    if (currentKey !== null && /^\s/.test(line)) {
      const item = unquote(line.trim().replace(/^-\s*/, ''))
      if (item !== '') nested.push(item)
    }
  }
  closeKey()
  return { values, body: source.slice(match[0].length) }
}

/** Placeholder characters (Unicode private use) protecting code spans from rewriting. */
const codeMarkerOpen = '\uE000'
const codeMarkerClose = '\uE001'
const codePlaceholder = new RegExp(`${codeMarkerOpen}(\\d+)${codeMarkerClose}`, 'g')

const htmlTag = /<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g

/**
 * Prose (everything outside fenced code) before line handling: code spans are parked in
 * placeholders so nothing below rewrites them, then raw HTML goes: comments, script and
 * style with their content, and tags, which may span lines (`<img\n src=... >`).
 */
function prepareProse (prose: string, codeSpans: string[]): string {
  const parked = prose
    // A code span never crosses a blank line, which also bounds the scan for a lone backtick.
    .replace(/(`+)(?!`)((?:(?!\n[ \t]*\n)[\s\S]){0,4000}?[^`])\1(?!`)/g, (_match, _ticks: string, code: string) => {
      const content = code.replace(/\n/g, ' ')
      codeSpans.push(/^ .* $/.test(content) && content.trim() !== '' ? content.slice(1, -1) : content)
      return `${codeMarkerOpen}${codeSpans.length - 1}${codeMarkerClose}`
    })
  return removeSpans(removeSpans(removeSpans(parked, commentOpen, commentClose), scriptOpen, scriptClose), styleOpen, styleClose)
    .replace(htmlTag, '')
    // Strong emphasis may wrap lines but never crosses a paragraph break.
    .replace(/\*\*(?=\S)((?:(?!\n\s*\n)[\s\S]){0,2000}?\S)\*\*/g, '$1')
    .replace(/(^|[^\w])__(?=\S)((?:(?!\n\s*\n)[\s\S]){0,2000}?\S)__(?!\w)/g, '$1$2')
}

/**
 * Inline Markdown to text: links keep their text, images their alt; emphasis marks go.
 * Every repetition is bounded: an unclosed `**` or `[` must not scan to the end of the
 * text once per occurrence (quadratic time on hostile input).
 */
function stripInline (line: string): string {
  let text = line
    .replace(/!\[([^\]]{0,1000})\]\((?:[^()\s]|\([^()]{0,1000}\)){0,2000}(?:\s+(?:"[^"]{0,1000}"|'[^']{0,1000}'))?\s*\)/g, '$1')
    .replace(/!\[([^\]]{0,1000})\]\[[^\]]{0,1000}\]/g, '$1')
    .replace(/\[([^\]]{0,1000})\]\((?:[^()\s]|\([^()]{0,1000}\)){0,2000}(?:\s+(?:"[^"]{0,1000}"|'[^']{0,1000}'))?\s*\)/g, '$1')
    .replace(/\[([^\]]{1,1000})\]\[[^\]]{0,1000}\]/g, '$1')
    .replace(/<((?:https?|mailto|ftp):[^>\s]{1,2000})>/g, '$1')
    .replace(/(^|[^\w*])\*(?=\S)([^*]{0,2000}?\S)\*(?!\w)/g, '$1$2')
    .replace(/(^|[^\w])_(?=\S)([^_]{0,2000}?\S)_(?!\w)/g, '$1$2')
    .replace(/~~(?=\S)([^~]{0,2000}?\S)~~/g, '$1')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
  if (/&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);/i.test(text)) text = htmlFragmentToText(text.replace(/</g, '&lt;'))
  return text
}

interface MarkdownText {
  text: string
  firstHeading: string | null
}

/** Splits source lines into runs of prose and fenced code (fence lines themselves dropped). */
function splitFences (lines: string[]): Array<{ code: boolean, lines: string[] }> {
  const runs: Array<{ code: boolean, lines: string[] }> = []
  let fence: string | null = null
  let current: { code: boolean, lines: string[] } = { code: false, lines: [] }
  for (const line of lines) {
    if (fence === null) {
      // A backtick fence's info string has no backticks: ```code``` on one line is a code span.
      const opening = /^\s{0,3}(`{3,}(?=[^`]*$)|~{3,})/.exec(line)
      if (opening === null) {
        current.lines.push(line)
        continue
      }
      fence = opening[1] as string
      runs.push(current)
      current = { code: true, lines: [] }
    } else if (line.trim().startsWith(fence) && /^[`~]+$/.test(line.trim())) {
      fence = null
      runs.push(current)
      current = { code: false, lines: [] }
    } else {
      current.lines.push(line)
    }
  }
  runs.push(current)
  return runs
}

/**
 * Line-based Markdown to text. Block syntax (heading marks, list bullets, quote marks,
 * fences, rules, table pipes, link definitions) is removed; fenced code is kept verbatim;
 * raw HTML keeps its text without tags, except script and style content.
 */
function markdownToText (source: string): MarkdownText {
  const out: string[] = []
  const codeSpans: string[] = []
  let firstHeading: string | null = null
  const heading = (text: string): void => {
    const restored = text.replace(codePlaceholder, (_m, index: string) => codeSpans[Number(index)] ?? '').trim()
    if (firstHeading === null && restored !== '') firstHeading = restored
  }
  for (const run of splitFences(source.split(/\r\n?|\n/))) {
    if (run.code) {
      out.push('', ...run.lines, '')
      continue
    }
    const lines = prepareProse(run.lines.join('\n'), codeSpans).split('\n')
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).trimEnd()
      if (/^\s{0,3}\[[^\]]+\]:\s*\S+/.test(line)) continue // link reference definition
      if (/^\s{0,3}(?:[-*_]\s*){3,}$/.test(line)) { // thematic break
        out.push('')
        continue
      }
      const next = lines[i + 1]
      if (next !== undefined && line.trim() !== '' && /^\s{0,3}(?:=+|-+)\s*$/.test(next) &&
        !/^\s*(?:[-*+]|\d+[.)])\s/.test(line)) { // setext heading
        const text = stripInline(line.trim())
        heading(text)
        out.push(text, '')
        i++
        continue
      }
      if (line.includes('|') && /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/.test(line)) continue // table delimiter row
      const atx = /^\s{0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$/.exec(line)
      if (atx !== null) {
        const text = stripInline(atx[2] ?? '')
        heading(text)
        out.push(text)
        continue
      }
      let text = line.trimStart()
        .replace(/^(?:>\s?)+/, '') // block quote
        .replace(/^(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/, '') // list item
      if (/^\|.*\|$/.test(text)) { // table row
        text = text.replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((cell) => cell.trim()).join('\t')
      }
      out.push(stripInline(text))
    }
  }
  const text = out.join('\n').replace(codePlaceholder, (_m, index: string) => codeSpans[Number(index)] ?? '')
  return { text, firstHeading }
}

/** Markdown: front matter to metadata, markup syntax removed, first heading as title. */
export const extractMarkdown: Extractor = async (bytes) => {
  const { text: source, encoding } = decodeText(bytes)
  const frontMatter = parseFrontMatter(source)
  const { text, firstHeading } = markdownToText(frontMatter?.body ?? source)
  const title = cleanMetadataValue(frontMatter?.values.title) ?? cleanMetadataValue(firstHeading)
  const author = cleanMetadataValue(frontMatter?.values.author)
  return frontMatter === null
    ? { text, encoding, title, author }
    : { text, encoding, title, author, frontMatter: frontMatter.values }
}
