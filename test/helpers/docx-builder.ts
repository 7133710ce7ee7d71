import { crc32, deflateRawSync } from 'node:zlib'
import { writeZip } from '../../src/processing/zip-archive.js'
import { deflateRepeated } from './deflate-repeated.js'

/** One deflated ZIP entry, ready to be written by `buildZip`. */
export interface ZipFile {
  name: string
  /** Deflated bytes. */
  compressed: Buffer
  crc: number
  size: number
  /** Size written into the headers; differs from `size` in a lying archive. */
  declaredSize?: number
}

export const docxType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'

/** Deflates `text` into an entry named `name`. */
export function deflated (name: string, text: string): ZipFile {
  const data = Buffer.from(text, 'utf8')
  return { name, compressed: deflateRawSync(data), crc: crc32(data), size: data.length }
}

/** Builds a ZIP of deflated entries, each declaring `declaredSize` when it has one. */
export function buildZip (files: ZipFile[]): Buffer {
  return writeZip(files.map((file) => ({ name: file.name, method: 8, data: file.compressed, crc: file.crc, size: file.declaredSize ?? file.size })))
}

const contentTypes = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
const packageRels = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
export const documentHead = '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t xml:space="preserve">'
export const documentTail = '</w:t></w:r></w:p></w:body></w:document>'

/** The package parts every DOCX needs besides word/document.xml. */
export function packageParts (): ZipFile[] {
  return [deflated('[Content_Types].xml', contentTypes), deflated('_rels/.rels', packageRels)]
}

/** A DOCX whose one paragraph says `text`. */
export function smallDocx (text: string): Buffer {
  return buildZip([...packageParts(), deflated('word/document.xml', `${documentHead}${text}${documentTail}`)])
}

/** word/document.xml of about `bytes` bytes (never more), its body `unit` repeated. */
export async function bombDocument (bytes: number, unit = ' '): Promise<ZipFile> {
  return { name: 'word/document.xml', ...await deflateRepeated(documentHead, unit, documentTail, bytes, 'raw') }
}

/** A paragraph that repeats into the many-element bomb a client once sent (209 MB inflated). */
export const bombParagraph = '</w:t></w:r></w:p><w:p><w:r><w:t>All work and no play makes Jack a dull boy.'
