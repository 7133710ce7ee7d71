import { segmentText } from './segment-text.js'
import type { TextChunk } from './types.js'

export interface ChunkOptions {
  /** A chunk is closed at a paragraph end once it has at least this many characters. */
  minCharacters: number
  /** No chunk is longer than this. */
  maxCharacters: number
}

export const defaultChunkOptions: ChunkOptions = Object.freeze({ minCharacters: 1000, maxCharacters: 1500 })

/** A span of the source text: a sentence, or a piece of an over-long one. */
interface Unit {
  start: number
  end: number
  /** The unit opens a paragraph, a preferred place to start a new chunk. */
  paragraphStart: boolean
}

let sentenceSegmenter: Intl.Segmenter | undefined

function isSpace (char: string | undefined): boolean {
  return char !== undefined && /\s/.test(char)
}

/** Splits [start, end) into pieces of at most `max` characters, at whitespace when possible. */
function splitLong (text: string, start: number, end: number, max: number, paragraphStart: boolean, out: Unit[]): void {
  let from = start
  let first = paragraphStart
  while (end - from > max) {
    let cut = from + max
    // Prefer the last whitespace in the second half of the window; a cut inside a word
    // only happens for text without spaces (CJK) or a giant token.
    let at = cut
    while (at > from + max / 2 && !isSpace(text[at])) at--
    if (at > from + max / 2) cut = at
    else if (/[\uDC00-\uDFFF]/.test(text[cut] ?? '')) cut-- // never split a surrogate pair
    out.push({ start: from, end: cut, paragraphStart: first })
    first = false
    from = cut
    while (from < end && isSpace(text[from])) from++
  }
  if (from < end) out.push({ start: from, end, paragraphStart: first })
}

/** A paragraph of `text` without its surrounding whitespace: [start, end), never empty. */
interface Paragraph { start: number, end: number, text: string, base: number }

/** The paragraphs of `text` (runs of lines without a blank line between them) that hold more than whitespace. */
function * paragraphsOf (text: string): Generator<Paragraph> {
  for (const match of text.matchAll(/[^\n]+(?:\n(?!\s*\n)[^\n]*)*/g)) {
    let start = match.index
    let end = start + match[0].length
    while (start < end && isSpace(text[start])) start++
    while (end > start && isSpace(text[end - 1])) end--
    if (start < end) yield { start, end, text: match[0], base: match.index }
  }
}

/** The paragraph's sentences as spans of `text`, none longer than `max`; the first opens the paragraph. */
function sentenceUnits (text: string, paragraph: Paragraph, max: number): Unit[] {
  sentenceSegmenter ??= new Intl.Segmenter(undefined, { granularity: 'sentence' })
  const units: Unit[] = []
  let paragraphStart = true
  for (const sentence of segmentText(sentenceSegmenter, paragraph.text)) {
    let start = paragraph.base + sentence.index
    let end = start + sentence.segment.length
    while (start < end && isSpace(text[start])) start++
    while (end > start && isSpace(text[end - 1])) end--
    if (start === end) continue
    if (end - start > max) splitLong(text, start, end, max, paragraphStart, units)
    else units.push({ start, end, paragraphStart })
    paragraphStart = false
  }
  return units
}

/**
 * Splits text into passages for indexing: sentences are packed greedily up to
 * `maxCharacters`; a chunk ends early only at a paragraph boundary and only once it holds
 * `minCharacters`. When the next sentence does not fit into a chunk that is still short, the
 * sentence is split at a word boundary to fill it, so every chunk but a text's last stays
 * within [min, max]. Chunk text is a verbatim slice of the input. Deterministic.
 *
 * Sentences matter only where a paragraph does not fit in the chunk it would join: a paragraph
 * that fits is packed whole, as its sentences would have been one by one, and only the others
 * are cut into sentences (Intl.Segmenter is most of the cost of chunking).
 */
export function chunkText (text: string, options: ChunkOptions = defaultChunkOptions): string[] {
  const { minCharacters: min, maxCharacters: max } = options
  const chunks: string[] = []
  let start = -1
  let end = -1
  const flush = (): void => {
    if (start >= 0) {
      const chunk = text.slice(start, end).trim()
      if (chunk !== '') chunks.push(chunk)
    }
    start = -1
  }
  /** Adds one unit to the chunks; returns what is left of it to add next, if it was split to fill a short chunk. */
  const add = (unit: Unit): Unit | undefined => {
    if (start < 0) {
      start = unit.start
      end = unit.end
      return undefined
    }
    const length = end - start
    if (unit.paragraphStart && length >= min) {
      flush()
      start = unit.start
      end = unit.end
      return undefined
    }
    if (unit.end - start <= max) {
      end = unit.end
      return undefined
    }
    if (length < min) {
      // Fill the short chunk with the head of this sentence; the rest becomes a new unit.
      const pieces: Unit[] = []
      splitLong(text, unit.start, unit.end, Math.max(1, max - (unit.start - start)), false, pieces)
      const head = pieces[0]
      if (head !== undefined && head.end - start <= max) {
        end = head.end
        flush()
        const restStart = pieces[1]?.start
        return restStart === undefined ? undefined : { start: restStart, end: unit.end, paragraphStart: false }
      }
    }
    flush()
    start = unit.start
    end = unit.end
    return undefined
  }
  for (const paragraph of paragraphsOf(text)) {
    // Where the paragraph's chunk would start: here, unless the current chunk is full enough to end.
    const chunkStart = start < 0 || end - start >= min ? paragraph.start : start
    if (paragraph.end - chunkStart <= max) {
      add({ start: paragraph.start, end: paragraph.end, paragraphStart: true })
      continue
    }
    for (const unit of sentenceUnits(text, paragraph, max)) {
      for (let next: Unit | undefined = unit; next !== undefined;) next = add(next)
    }
  }
  flush()
  return chunks
}

/** Chunks a whole document (page null) or each PDF page on its own, numbering across pages. */
export function chunkDocument (text: string, pages: string[] | null, options: ChunkOptions = defaultChunkOptions): TextChunk[] {
  const result: TextChunk[] = []
  if (pages === null) {
    for (const chunk of chunkText(text, options)) result.push({ ordinal: result.length, page: null, text: chunk })
    return result
  }
  pages.forEach((pageText, index) => {
    for (const chunk of chunkText(pageText, options)) result.push({ ordinal: result.length, page: index + 1, text: chunk })
  })
  return result
}
