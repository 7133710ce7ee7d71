import { decodeText } from './decode-text.js'
import type { Extractor } from './extraction.js'
import { htmlFragmentToText, htmlToText } from './html-text.js'
import { cleanMetadataValue } from './document-metadata.js'
import { commentClose, commentOpen, removeSpans, scriptClose, scriptOpen } from './remove-spans.js'

/**
 * How far to look for a charset declaration. Browsers stop at 1024 bytes; real pages put
 * the meta tag after kilobytes of inline script (tika_big-preamble.html: byte ~4970), so
 * the whole head is searched, up to this bound.
 */
const declarationWindow = 256 * 1024

// Repetitions are bounded so a head full of unclosed tags cannot make the search quadratic.
const metaCharset = /<meta\b[^>]{0,2000}?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)/i
const xmlEncoding = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9_.:+-]+)["']/

/** The charset a document declares in its head (or XML declaration), or null. */
export function findDeclaredCharset (bytes: Buffer): string | null {
  // latin1 maps bytes 1:1, so ASCII markup is found whatever the real charset is.
  let head = bytes.toString('latin1', 0, Math.min(bytes.length, declarationWindow))
  const bodyAt = head.search(/<body[\s>]/i)
  if (bodyAt >= 0) head = head.slice(0, bodyAt)
  // Script bodies may contain the text "charset=" without declaring anything.
  head = removeSpans(removeSpans(head, commentOpen, commentClose), scriptOpen, scriptClose)
  return metaCharset.exec(head)?.[1] ?? xmlEncoding.exec(head)?.[1] ?? null
}

function firstMatch (html: string, pattern: RegExp): string | null {
  const match = pattern.exec(html)
  return match?.[1] === undefined ? null : cleanMetadataValue(htmlFragmentToText(match[1]))
}

/** HTML: charset from BOM, declaration (when the bytes honour it) or detection; visible text only. */
export const extractHtml: Extractor = async (bytes) => {
  const { text: html, encoding } = decodeText(bytes, findDeclaredCharset(bytes))
  const head = html.slice(0, declarationWindow)
  return {
    text: htmlToText(html),
    encoding,
    title: firstMatch(head, /<title\b[^>]{0,2000}>([^<]{0,2000})<\/title\s*>/i),
    author: firstMatch(head, /<meta\b(?=[^>]{0,2000}\bname\s*=\s*["']?author\b)[^>]{0,2000}\bcontent\s*=\s*"([^"]{0,2000})"/i) ??
      firstMatch(head, /<meta\b(?=[^>]{0,2000}\bname\s*=\s*["']?author\b)[^>]{0,2000}\bcontent\s*=\s*'([^']{0,2000})'/i)
  }
}
