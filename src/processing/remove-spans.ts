/**
 * Removes every span that starts with a match of `open` and ends after the next match of
 * `close` (both global regexes); an unclosed span runs to the end, as an unclosed <script>
 * does in a browser. Linear: each search starts where the previous one ended, unlike a lazy
 * `open[\s\S]*?close` regex, which rescans the rest of the text for every unclosed opener.
 */
export function removeSpans (text: string, open: RegExp, close: RegExp): string {
  let out = ''
  let at = 0
  while (at < text.length) {
    open.lastIndex = at
    const start = open.exec(text)
    if (start === null) break
    out += text.slice(at, start.index)
    close.lastIndex = start.index + start[0].length
    const end = close.exec(text)
    at = end === null ? text.length : end.index + end[0].length
  }
  return at < text.length ? out + text.slice(at) : out
}

export const commentOpen = /<!--/g
export const commentClose = /-->/g
export const scriptOpen = /<script\b/gi
export const scriptClose = /<\/script\s*>/gi
export const styleOpen = /<style\b/gi
export const styleClose = /<\/style\s*>/gi
