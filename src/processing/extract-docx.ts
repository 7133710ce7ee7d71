import type { Extractor } from './extraction.js'
import { formatCount, limitExceeded } from './limits.js'
import { ProcessingError } from './processing-error.js'
import type { ProcessingLimits } from './types.js'
import { wordBodyText, wordNotesText } from './word-text.js'
import { decodeXmlText, XmlSyntaxError } from './xml-scanner.js'
import { parseZipDirectory, readZipEntry, ZipFormatError, ZipSizeError } from './zip-archive.js'
import type { ZipEntry } from './zip-archive.js'

const xmlPart = /\.(?:xml|rels)$/i

/** Entities XML defines itself; every other reference could only come from a DTD. */
const undefinedEntityReference = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);)[A-Za-z_:][\w.:-]*;/g
// Bounded: an internal subset larger than this stays, and the XML scanner then rejects it.
const doctype = /<!DOCTYPE[^[>]{0,4096}(?:\[[^\]]{0,1000000}\]\s*)?>/gi

/**
 * Removes DOCTYPE declarations and references to the entities they would define. The XML
 * scanner then has nothing to fetch (XXE) and nothing to expand (billion laughs), and a
 * document that referenced `&testent;` keeps the rest of its text.
 */
function neutralizeDtd (data: Buffer): Buffer {
  const head = data.toString('latin1', 0, Math.min(data.length, 4096))
  if (!/<!DOCTYPE/i.test(head)) return data
  const xml = data.toString('utf8').replace(doctype, '').replace(undefinedEntityReference, '')
  return Buffer.from(xml, 'utf8')
}

function corrupt (detail: string, cause?: unknown): ProcessingError {
  return new ProcessingError('corrupt', `corrupt DOCX: ${detail}`, { cause })
}

/**
 * The archive's XML parts, after checking the central directory against the limits: entry
 * count, each XML part's declared size and their total. Media parts are never inflated, so
 * their sizes do not count.
 */
function xmlPartsWithinLimits (bytes: Buffer, limits: ProcessingLimits): ZipEntry[] {
  let entries: ZipEntry[]
  try {
    ({ entries } = parseZipDirectory(bytes))
  } catch (err) {
    if (err instanceof ZipFormatError || err instanceof RangeError) throw corrupt(err.message, err)
    throw err
  }
  if (entries.length > limits.maxZipEntries) {
    throw limitExceeded(limits, 'maxZipEntries', `the DOCX archive has ${formatCount(entries.length)} entries`)
  }
  if (!entries.some((entry) => entry.name === 'word/document.xml')) throw corrupt('word/document.xml is missing')
  const xmlParts = entries.filter((entry) => !entry.name.endsWith('/') && xmlPart.test(entry.name))
  let declared = 0
  for (const entry of xmlParts) {
    if (entry.uncompressedSize > limits.maxPartBytes) {
      throw limitExceeded(limits, 'maxPartBytes', `the DOCX part ${entry.name} declares ${formatCount(entry.uncompressedSize)} bytes uncompressed`)
    }
    declared += entry.uncompressedSize
  }
  if (declared > limits.maxUncompressedBytes) {
    throw limitExceeded(limits, 'maxUncompressedBytes', `the DOCX parts declare ${formatCount(declared)} bytes uncompressed in all`)
  }
  return xmlParts
}

/** The parts whose text is read; every other part (styles, media, headers) is left packed. */
const textParts = ['word/document.xml', 'word/footnotes.xml', 'word/endnotes.xml', 'docProps/core.xml']

/**
 * Inflates the parts that hold text, after checking the central directory against the
 * limits. Each is inflated as a stream that stops at its declared size, so a lying header
 * costs one inflate step and never the whole bomb; a DTD in a part is removed before anything
 * reads it.
 */
async function readTextParts (bytes: Buffer, limits: ProcessingLimits): Promise<Map<string, string>> {
  const parts = new Map<string, string>()
  for (const entry of xmlPartsWithinLimits(bytes, limits)) {
    if (!textParts.includes(entry.name)) continue
    try {
      parts.set(entry.name, decodeXmlPart(neutralizeDtd(await readZipEntry(bytes, entry))))
    } catch (err) {
      if (err instanceof ZipSizeError) {
        throw new ProcessingError('limit_exceeded', `the DOCX archive lies about its sizes: ${err.message}`)
      }
      if (err instanceof ZipFormatError) throw corrupt(err.message, err)
      throw err
    }
  }
  return parts
}

/** XML parts are UTF-8 unless they start with a UTF-16 byte order mark. */
function decodeXmlPart (data: Buffer): string {
  if (data[0] === 0xff && data[1] === 0xfe) return data.toString('utf16le', 2)
  if (data[0] === 0xfe && data[1] === 0xff) return Buffer.from(data.subarray(2, data.length - (data.length % 2))).swap16().toString('utf16le')
  return data.toString('utf8')
}

/** Reads one Dublin Core element of docProps/core.xml. */
function coreProperty (core: string | undefined, element: string): string | null {
  if (core === undefined) return null
  const match = new RegExp(`<${element}(?:\\s[^>]{0,1000})?>([^<]{0,10000})</${element}>`).exec(core)
  return match?.[1] === undefined ? null : decodeXmlText(match[1])
}

/** The body, then each referenced note as a numbered paragraph, in the order referenced. */
function documentText (parts: Map<string, string>): string {
  const body = wordBodyText(parts.get('word/document.xml') ?? '')
  if (body.references.length === 0) return body.text
  const notes = {
    footnote: wordNotesText(parts.get('word/footnotes.xml') ?? '', 'footnote'),
    endnote: wordNotesText(parts.get('word/endnotes.xml') ?? '', 'endnote')
  }
  const noteParagraphs = body.references
    .map((reference) => ({ number: reference.number, text: notes[reference.kind].get(reference.id) ?? '' }))
    .filter((note) => note.text !== '')
    .map((note) => `${note.number}. ${note.text}`)
  return [body.text, ...noteParagraphs].join('\n\n')
}

/**
 * DOCX: the text of the body, footnotes and endnotes in one streaming pass over each part's
 * XML (word-text.ts), without building a document tree, and title and author from the core
 * properties. A part that is not well-formed enough to read makes the document corrupt.
 */
export const extractDocx: Extractor = async (bytes, { limits }) => {
  const parts = await readTextParts(bytes, limits)
  let text: string
  try {
    text = documentText(parts)
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw corrupt(err.message, err)
    throw err
  }
  const core = parts.get('docProps/core.xml')
  return {
    text,
    title: coreProperty(core, 'dc:title'),
    author: coreProperty(core, 'dc:creator')
  }
}
