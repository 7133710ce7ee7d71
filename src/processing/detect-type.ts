import { fileTypeFromBuffer } from 'file-type'
import { binaryCharacterRatio, decodeText } from './decode-text.js'
import { mediaTypes } from './media-types.js'
import { readZipDirectory } from './zip-archive.js'

/**
 * How much of a text file the markup sniffers look at: markup shows in the first lines, and
 * this runs on every upload, so more costs time without changing the verdict.
 */
const sniffBytes = 4 * 1024

/** Media types file-type reports for containers built on ZIP. */
const zipFamily = new Set([
  mediaTypes.zip,
  mediaTypes.docx,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/epub+zip',
  'application/java-archive'
])

/** file-type answers for which the content may still be HTML or other text. */
const textualMagic = new Set(['application/xml', 'text/xml', 'application/xhtml+xml'])

/**
 * Detects the media type from the bytes alone: magic bytes for binary formats, then a text
 * check with markup sniffing. `filename` is only a hint that tips ambiguous text towards
 * Markdown or plain text; it never turns binary into text or one binary format into another.
 */
export async function detectType (bytes: Buffer, filename?: string): Promise<string> {
  if (bytes.length === 0) return mediaTypes.text
  // A UTF-16 BOM (FF FE) also reads as an MPEG audio frame header to file-type.
  const startsWithBom = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
  if (!startsWithBom) {
    const magic = await fileTypeFromBuffer(bytes)
    if (magic !== undefined && !textualMagic.has(magic.mime)) {
      return zipFamily.has(magic.mime) ? classifyZip(bytes, magic.mime) : magic.mime
    }
    // Readers accept up to 1 KB of junk before the PDF header, and so do attackers.
    if (magic === undefined && bytes.subarray(0, 1024).includes('%PDF-')) return mediaTypes.pdf
  }
  return sniffText(textHead(bytes), filename)
}

/** The first `sniffBytes`, cut before a UTF-8 continuation byte so no character is split. */
function textHead (bytes: Buffer): Buffer {
  if (bytes.length <= sniffBytes) return bytes
  let end = sniffBytes
  while (end > sniffBytes - 4 && (bytes[end] & 0xc0) === 0x80) end--
  return bytes.subarray(0, end)
}

/**
 * A DOCX is a ZIP whose central directory names word/document.xml. Any other ZIP, including
 * a spreadsheet or a quine renamed .docx, is reported as what it is. A ZIP whose directory
 * cannot be read keeps file-type's verdict, so a truncated DOCX fails later as corrupt.
 */
function classifyZip (bytes: Buffer, magicMime: string): string {
  const directory = readZipDirectory(bytes)
  if (directory === null) return magicMime
  if (directory.entries.some((entry) => entry.name === 'word/document.xml')) return mediaTypes.docx
  return magicMime === mediaTypes.docx ? mediaTypes.zip : magicMime
}

function sniffText (head: Buffer, filename: string | undefined): string {
  const { text } = decodeText(head)
  if (binaryCharacterRatio(text) > 0.05) return mediaTypes.octetStream
  if (looksLikeHtml(text)) return mediaTypes.html
  const extension = (filename ?? '').toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? ''
  const needed = extension === 'md' || extension === 'markdown' ? 1 : extension === 'txt' ? 6 : 3
  return markdownScore(text) >= needed ? mediaTypes.markdown : mediaTypes.text
}

const htmlDocumentStart = /^(?:\s|<!--[\s\S]*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i
const htmlStructure = /<(?:html|head|body)[\s>]/i
const htmlCommonTag = /<(?:title|meta|script|style|div|p|table|br|span|a|h[1-6]|ul|ol|link)[\s>/]/gi

/**
 * HTML when the document opens like one, or when its opening is a tag and the head sample
 * has html/head/body or several common tags. Markdown with a raw `<p align=center>` on top
 * has none of the structure tags and is left to the Markdown sniffer.
 */
function looksLikeHtml (text: string): boolean {
  const sample = text.slice(0, 4096)
  if (htmlDocumentStart.test(sample)) return true
  if (!/^\s*</.test(sample)) return false
  if (htmlStructure.test(sample)) return true
  return markdownScore(sample) < 2 && (sample.match(htmlCommonTag)?.length ?? 0) >= 3
}

const frontMatter = /^---\r?\n[\s\S]*?\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/ // at the very start

/** Markdown constructs that open a line. */
const lineSignals: RegExp[] = [
  /^#{1,6}\s+\S/m, // ATX heading
  /^(?:```|~~~)/m, // code fence
  /^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+\S/m, // list item
  /^\s{0,3}>\s?\S/m, // block quote
  /^\s*\|.*\|\s*$\n^\s*\|?\s*:?-{3,}/m, // table
  /^\S.*\n(?:=+|-+)\s*$/m // setext heading
]

/** Markdown constructs within a line. */
const inlineSignals: RegExp[] = [
  /\[[^\]\n]{1,500}\]\([^)\s]{1,2000}(?:\s+"[^"\n]{0,500}")?\)/, // inline link or image
  /(?:\*\*|__)\S[^*\n]{0,500}\S(?:\*\*|__)/, // strong emphasis
  /`[^`\n]+`/ // inline code
]

// Every construct of `lineSignals` has a line whose first non-blank character is one of these,
// and every one of `inlineSignals` one of the marks below. Plain prose, most uploads, has
// neither: one scan for each then stands for the nine expressions, with the same verdict.
const lineOpener = /^\s*[#`~\-*+\d>|=]/m
const inlineMark = /[[*_`]/

/** Number of distinct Markdown constructs in the sample; front matter counts double. */
function markdownScore (text: string): number {
  let score = 0
  if (/^---\r?\n/.test(text) && frontMatter.test(text)) score += 2
  if (lineOpener.test(text)) score += countMatching(lineSignals, text)
  if (inlineMark.test(text)) score += countMatching(inlineSignals, text)
  return score
}

function countMatching (signals: RegExp[], text: string): number {
  return signals.filter((signal) => signal.test(text)).length
}
