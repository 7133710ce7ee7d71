import { identifyLanguage } from './identify-language.js'
import { segmentText } from './segment-text.js'

/**
 * Scripts written without spaces between words; runs of them go through the word segmenter,
 * everything else is split on whitespace, which is much faster on large texts.
 */
const unspacedScript = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u
const hasLetterOrDigit = /[\p{L}\p{N}]/u

let segmenter: Intl.Segmenter | undefined

/** Counts words: whitespace-separated tokens with a letter or digit, segmented for CJK/Thai. */
export function countWords (text: string): number {
  let words = 0
  for (const token of text.split(/\s+/)) {
    if (token === '' || !hasLetterOrDigit.test(token)) continue
    if (!unspacedScript.test(token)) {
      words++
      continue
    }
    segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' })
    for (const segment of segmentText(segmenter, token)) {
      if (segment.isWordLike) words++
    }
  }
  return words
}

/**
 * Characters sampled for language identification. Its time grows with the sample (franc's models
 * read at most 2,048 characters anyway); 1,000 characters of prose give the same verdicts on the
 * test corpus.
 */
const languageSample = 1_000
const minLetters = 40
const cjkLetter = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu

/** ISO 639-3 code of the dominant language, or null when it cannot be told. */
export function detectLanguage (text: string): string | null {
  let sample = text.length > languageSample ? text.slice(0, languageSample) : text
  const letters = sample.match(/\p{L}/gu)?.length ?? 0
  // Fewer letters than this make the trigram models guess (a two-word line comes out as Kinyarwanda).
  if (letters < minLetters) return null
  // CJK prose is often outnumbered by the Latin letters of its code samples and product
  // names; judge it on its own characters when they are a real share of the text.
  const cjk = sample.match(cjkLetter)
  if (cjk !== null && cjk.length >= letters * 0.2 && cjk.length >= minLetters / 2) sample = cjk.join('')
  const code = identifyLanguage(sample)
  return code === 'und' ? null : code
}

/** Trims a metadata string and turns empty values into null. */
export function cleanMetadataValue (value: unknown): string | null {
  if (typeof value !== 'string') return null
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001F\u007F\uFEFF]/g, ' ').replace(/\s+/g, ' ').trim().normalize('NFC')
  return cleaned === '' ? null : cleaned.slice(0, 1000)
}
