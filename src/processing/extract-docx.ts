import mammoth from 'mammoth'
import type { Extractor } from './extraction.js'
import { docxHtmlToText } from './html-text.js'
import { formatCount, limitExceeded } from './limits.js'
import { ProcessingError } from './processing-error.js'
import type { ProcessingLimits } from './types.js'
import { parseZipDirectory, readZipEntry, writeStoredZip, ZipFormatError, ZipSizeError } from './zip-archive.js'
import type { ZipEntry } from './zip-archive.js'

const xmlPart = /\.(?:xml|rels)$/i

/** Entities XML defines itself; every other reference could only come from a DTD. */
const undefinedEntityReference = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);)[A-Za-z_:][\w.:-]*;/g
// Bounded: an internal subset larger than this stays, and the XML parser then rejects it.
const doctype = /<!DOCTYPE[^[>]{0,4096}(?:\[[^\]]{0,1000000}\]\s*)?>/gi

/**
 * Removes DOCTYPE declarations and references to the entities they would define. The XML
 * parser then has nothing to fetch (XXE) and nothing to expand (billion laughs), and a
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
 * The parts to inflate, after checking the central directory against the limits: entry
 * count, each XML part's declared size and their total. Media parts are never inflated, so
 * their sizes do not count.
 */
function partsToRead (bytes: Buffer, limits: ProcessingLimits): { entries: ZipEntry[], xmlParts: ZipEntry[] } {
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
  return { entries, xmlParts }
}

/**
 * Unpacks the archive under our own limits before mammoth (and its JSZip, which inflates an
 * entry fully before looking at sizes) sees it. The central directory is checked first, then
 * only the XML parts are inflated, each as a stream that stops at its declared size, so a
 * lying header costs one inflate step and never the whole bomb. Media parts are left empty:
 * mammoth is told not to read images, and they are where the bytes are. The result is an
 * uncompressed archive that costs mammoth nothing to open.
 */
async function repackArchive (bytes: Buffer, limits: ProcessingLimits): Promise<{ archive: Buffer, parts: Map<string, Buffer> }> {
  const { entries, xmlParts } = partsToRead(bytes, limits)
  const parts = new Map<string, Buffer>()
  for (const entry of xmlParts) {
    try {
      parts.set(entry.name, neutralizeDtd(await readZipEntry(bytes, entry)))
    } catch (err) {
      if (err instanceof ZipSizeError) {
        throw new ProcessingError('limit_exceeded', `the DOCX archive lies about its sizes: ${err.message}`)
      }
      if (err instanceof ZipFormatError) throw corrupt(err.message, err)
      throw err
    }
  }
  const files = entries.filter((entry) => !entry.name.endsWith('/'))
    .map((entry) => ({ name: entry.name, data: parts.get(entry.name) ?? Buffer.alloc(0) }))
  return { archive: writeStoredZip(files), parts }
}

const xmlEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeXmlText (text: string): string {
  return text.replace(/&(?:#(\d+)|#x([0-9A-Fa-f]+)|(amp|lt|gt|quot|apos));/g, (match, dec?: string, hex?: string, name?: string) => {
    const code = dec !== undefined ? Number(dec) : hex !== undefined ? parseInt(hex, 16) : null
    if (code === null) return xmlEntities[name ?? ''] ?? match
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ''
  })
}

/** Reads one Dublin Core element of docProps/core.xml. */
function coreProperty (core: Buffer | undefined, element: string): string | null {
  if (core === undefined) return null
  const match = new RegExp(`<${element}(?:\\s[^>]{0,1000})?>([^<]{0,10000})</${element}>`).exec(core.toString('utf8'))
  return match?.[1] === undefined ? null : decodeXmlText(match[1])
}

/** Images are never read: their bytes are not text, and decoding them costs memory. */
const skipImages = mammoth.images.imgElement(async () => ({ src: '' }))

/**
 * DOCX through mammoth's HTML conversion (unlike extractRawText it keeps footnotes,
 * endnotes and table structure), then to text: paragraphs and list items on lines, table
 * cells separated by tabs, rows on lines.
 */
export const extractDocx: Extractor = async (bytes, { limits }) => {
  const { archive, parts } = await repackArchive(bytes, limits)
  let html: string
  try {
    const result = await mammoth.convertToHtml({ buffer: archive }, {
      convertImage: skipImages,
      externalFileAccess: false,
      ignoreEmptyParagraphs: true
    })
    html = result.value
  } catch (err) {
    throw corrupt(err instanceof Error ? err.message : String(err), err)
  }
  const core = parts.get('docProps/core.xml')
  return {
    text: docxHtmlToText(html),
    title: coreProperty(core, 'dc:title'),
    author: coreProperty(core, 'dc:creator')
  }
}
