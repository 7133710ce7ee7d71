import mammoth from 'mammoth'
import type { Extractor } from './extraction.js'
import { docxHtmlToText } from './html-text.js'
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

function limitExceeded (message: string): ProcessingError {
  return new ProcessingError('limit_exceeded', message)
}

function corrupt (detail: string, cause?: unknown): ProcessingError {
  return new ProcessingError('corrupt', `corrupt DOCX: ${detail}`, { cause })
}

/**
 * Unpacks the archive under our own limits before mammoth (and its JSZip, which inflates an
 * entry fully before looking at sizes) sees it. The central directory is checked first:
 * entry count and the declared total. Then only the XML parts are inflated, each capped at
 * its declared size and by the remaining budget, so a lying header cannot inflate further.
 * Media parts are left empty: mammoth is told not to read images, and they are where the
 * bytes are. The result is an uncompressed archive that costs mammoth nothing to open.
 */
function repackArchive (bytes: Buffer, limits: ProcessingLimits): { archive: Buffer, parts: Map<string, Buffer> } {
  let entries: ZipEntry[]
  let declared: number
  try {
    ({ entries, declaredUncompressedBytes: declared } = parseZipDirectory(bytes))
  } catch (err) {
    if (err instanceof ZipFormatError || err instanceof RangeError) throw corrupt(err.message, err)
    throw err
  }
  if (entries.length > limits.maxZipEntries) {
    throw limitExceeded(`DOCX archive exceeds ${limits.maxZipEntries} entries (it has ${entries.length})`)
  }
  if (declared > limits.maxUncompressedBytes) {
    throw limitExceeded(`DOCX archive exceeds ${limits.maxUncompressedBytes} bytes uncompressed (it declares ${declared})`)
  }
  if (!entries.some((entry) => entry.name === 'word/document.xml')) throw corrupt('word/document.xml is missing')
  const parts = new Map<string, Buffer>()
  const files: Array<{ name: string, data: Buffer }> = []
  let budget = limits.maxUncompressedBytes
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue
    if (!xmlPart.test(entry.name)) {
      files.push({ name: entry.name, data: Buffer.alloc(0) })
      continue
    }
    let data: Buffer
    try {
      data = readZipEntry(bytes, entry, budget)
    } catch (err) {
      if (err instanceof ZipSizeError) {
        throw limitExceeded(`DOCX archive exceeds ${limits.maxUncompressedBytes} bytes uncompressed or lies about its sizes (${err.message})`)
      }
      if (err instanceof ZipFormatError) throw corrupt(err.message, err)
      throw err
    }
    budget -= data.length
    data = neutralizeDtd(data)
    parts.set(entry.name, data)
    files.push({ name: entry.name, data })
  }
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
  const { archive, parts } = repackArchive(bytes, limits)
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
