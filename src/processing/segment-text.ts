/** Characters handed to Intl.Segmenter at once. */
const windowSize = 2000

/** Preferred window ends, best first: a line break, a sentence end, a space, CJK punctuation. */
const cutPoints = [/\n/g, /[.!?…]["'”’)\]]*\s/g, /\s/g, /[。！？]/g]

/**
 * Where to end a window that starts at `from`: the last preferred cut point in the window's
 * second half; failing all, the window's end, never inside a surrogate pair.
 */
function windowEnd (text: string, from: number): number {
  const limit = from + windowSize
  if (limit >= text.length) return text.length
  const floor = from + windowSize / 2
  for (const pattern of cutPoints) {
    let cut = -1
    pattern.lastIndex = floor
    for (let match = pattern.exec(text); match !== null && match.index + match[0].length <= limit; match = pattern.exec(text)) {
      cut = match.index + match[0].length
    }
    if (cut > 0) return cut
  }
  const code = text.charCodeAt(limit - 1)
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit
}

/**
 * Intl.Segmenter's segments of `text`, with indexes into `text`. V8 iterates segments of one
 * long string in quadratic time (40,000 sentences: 8 s), so the text is fed in windows of
 * about 2,000 characters cut at line breaks or spaces; a segment can only be split where a
 * window ends, which is a place that separates words anyway.
 */
export function * segmentText (segmenter: Intl.Segmenter, text: string): Generator<{ segment: string, index: number, isWordLike: boolean }> {
  for (let from = 0; from < text.length;) {
    const to = windowEnd(text, from)
    for (const part of segmenter.segment(text.slice(from, to))) {
      yield { segment: part.segment, index: from + part.index, isWordLike: part.isWordLike === true }
    }
    from = to
  }
}
