import { crc32, createInflateRaw } from 'node:zlib'

/** One file named in a ZIP central directory, with the sizes it declares. */
export interface ZipEntry {
  name: string
  method: number
  flags: number
  compressedSize: number
  uncompressedSize: number
  localHeaderOffset: number
}

export interface ZipDirectory {
  entries: ZipEntry[]
}

const eocdSignature = 0x06054b50
const zip64LocatorSignature = 0x07064b50
const zip64EocdSignature = 0x06064b50
const centralSignature = 0x02014b50
const localSignature = 0x04034b50
const maxSize32 = 0xffffffff

/** Thrown for archives whose structure cannot be read; the message names the defect. */
export class ZipFormatError extends Error {
  override name = 'ZipFormatError'
}

/** Thrown when an entry inflates to more than it declared. */
export class ZipSizeError extends Error {
  override name = 'ZipSizeError'
}

function findEndOfCentralDirectory (bytes: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, so search only that tail.
  const stop = Math.max(0, bytes.length - 22 - 0xffff)
  for (let at = bytes.length - 22; at >= stop; at--) {
    if (bytes.readUInt32LE(at) === eocdSignature) return at
  }
  return -1
}

/**
 * Reads the central directory without inflating anything, so entry counts and declared sizes
 * can be checked before any parser sees the archive. Returns null when the bytes have no
 * readable directory (not a ZIP, or truncated).
 */
export function readZipDirectory (bytes: Buffer): ZipDirectory | null {
  try {
    return parseZipDirectory(bytes)
  } catch (err) {
    if (err instanceof ZipFormatError || err instanceof RangeError) return null
    throw err
  }
}

/** Like `readZipDirectory` but throws a ZipFormatError that says what is wrong. */
export function parseZipDirectory (bytes: Buffer): ZipDirectory {
  if (bytes.length < 22) throw new ZipFormatError('archive is too short to be a ZIP')
  const eocd = findEndOfCentralDirectory(bytes)
  if (eocd < 0) throw new ZipFormatError("can't find the end of the central directory (truncated archive?)")
  let entryCount = bytes.readUInt16LE(eocd + 10)
  let directorySize = bytes.readUInt32LE(eocd + 12)
  let directoryOffset = bytes.readUInt32LE(eocd + 16)
  if (entryCount === 0xffff || directorySize === maxSize32 || directoryOffset === maxSize32) {
    const locator = eocd - 20
    if (locator < 0 || bytes.readUInt32LE(locator) !== zip64LocatorSignature) {
      throw new ZipFormatError('ZIP64 end of central directory locator is missing')
    }
    const record = Number(bytes.readBigUInt64LE(locator + 8))
    if (record + 56 > bytes.length || bytes.readUInt32LE(record) !== zip64EocdSignature) {
      throw new ZipFormatError('ZIP64 end of central directory record is missing')
    }
    entryCount = Number(bytes.readBigUInt64LE(record + 32))
    directorySize = Number(bytes.readBigUInt64LE(record + 40))
    directoryOffset = Number(bytes.readBigUInt64LE(record + 48))
  }
  if (directoryOffset + directorySize > bytes.length) {
    throw new ZipFormatError('central directory lies beyond the end of the archive')
  }
  // Each directory record takes at least 46 bytes: a count larger than that is a lie that
  // must not drive a loop.
  if (entryCount > directorySize / 46) {
    throw new ZipFormatError(`central directory cannot hold the ${entryCount} entries it declares`)
  }
  const entries: ZipEntry[] = []
  let at = directoryOffset
  for (let i = 0; i < entryCount; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== centralSignature) {
      throw new ZipFormatError(`central directory record ${i} is damaged`)
    }
    const flags = bytes.readUInt16LE(at + 8)
    const method = bytes.readUInt16LE(at + 10)
    let compressedSize = bytes.readUInt32LE(at + 20)
    let uncompressedSize = bytes.readUInt32LE(at + 24)
    const nameLength = bytes.readUInt16LE(at + 28)
    const extraLength = bytes.readUInt16LE(at + 30)
    const commentLength = bytes.readUInt16LE(at + 32)
    let localHeaderOffset = bytes.readUInt32LE(at + 42)
    const nameEnd = at + 46 + nameLength
    if (nameEnd + extraLength > bytes.length) throw new ZipFormatError(`central directory record ${i} is cut off`)
    const name = bytes.toString('utf8', at + 46, nameEnd)
    if (uncompressedSize === maxSize32 || compressedSize === maxSize32 || localHeaderOffset === maxSize32) {
      ;({ uncompressedSize, compressedSize, localHeaderOffset } = readZip64Extra(
        bytes.subarray(nameEnd, nameEnd + extraLength), { uncompressedSize, compressedSize, localHeaderOffset }))
    }
    entries.push({ name, method, flags, compressedSize, uncompressedSize, localHeaderOffset })
    at = nameEnd + extraLength + commentLength
  }
  return { entries }
}

type Zip64Sizes = Pick<ZipEntry, 'uncompressedSize' | 'compressedSize' | 'localHeaderOffset'>

function readZip64Extra (extra: Buffer, sizes: Zip64Sizes): Zip64Sizes {
  const result = { ...sizes }
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at)
    const size = extra.readUInt16LE(at + 2)
    if (id === 0x0001) {
      let field = at + 4
      const next = (): number => {
        if (field + 8 > at + 4 + size) throw new ZipFormatError('ZIP64 extra field is too short')
        const value = Number(extra.readBigUInt64LE(field))
        field += 8
        return value
      }
      if (sizes.uncompressedSize === maxSize32) result.uncompressedSize = next()
      if (sizes.compressedSize === maxSize32) result.compressedSize = next()
      if (sizes.localHeaderOffset === maxSize32) result.localHeaderOffset = next()
      return result
    }
    at += 4 + size
  }
  throw new ZipFormatError('ZIP64 sizes are missing')
}

/** Output is produced and counted in steps of this size, so a bomb is stopped one step past its cap. */
const inflateStepBytes = 64 * 1024

/**
 * Inflates one entry as a stream, counting the output as it comes, and stops at the first
 * byte beyond the size the entry declares: a lying header is how a zip bomb slips past a
 * directory check, and here it never gets more than one step of memory past the lie. The
 * caller checks the declared sizes against its own caps first.
 */
export async function readZipEntry (bytes: Buffer, entry: ZipEntry): Promise<Buffer> {
  const at = entry.localHeaderOffset
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== localSignature) {
    throw new ZipFormatError(`local header of ${entry.name} is damaged`)
  }
  if ((entry.flags & 0x1) !== 0) throw new ZipFormatError(`entry ${entry.name} is encrypted`)
  const dataStart = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28)
  const dataEnd = dataStart + entry.compressedSize
  if (dataEnd > bytes.length) throw new ZipFormatError(`entry ${entry.name} runs past the end of the archive`)
  const data = bytes.subarray(dataStart, dataEnd)
  const tooLarge = (): ZipSizeError =>
    new ZipSizeError(`${entry.name} inflates to more than the ${entry.uncompressedSize.toLocaleString('en-US')} bytes it declares`)
  if (entry.method === 0) {
    if (data.length > entry.uncompressedSize) throw tooLarge()
    return Buffer.from(data)
  }
  if (entry.method !== 8) throw new ZipFormatError(`entry ${entry.name} uses unsupported compression method ${entry.method}`)
  const inflate = createInflateRaw({ chunkSize: inflateStepBytes })
  const chunks: Buffer[] = []
  let total = 0
  inflate.end(data)
  try {
    // zlib waits for each step to be read before producing the next, so breaking out of
    // the loop leaves nothing inflated beyond the step that crossed the limit.
    for await (const chunk of inflate as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > entry.uncompressedSize) throw tooLarge()
      chunks.push(chunk)
    }
  } catch (err) {
    if (err instanceof ZipSizeError) throw err
    throw new ZipFormatError(`entry ${entry.name} does not inflate: ${(err as Error).message}`)
  } finally {
    inflate.destroy()
  }
  return Buffer.concat(chunks, total)
}

/** One entry for `writeZip`: the bytes that go into the archive and what its headers state about them. */
export interface ZipWriteEntry {
  name: string
  /** 0: `data` is the file itself; 8: `data` is the file, raw-deflated. */
  method: 0 | 8
  data: Buffer
  /** CRC-32 of the file, not of its deflated form. */
  crc: number
  /** The file's size as the headers declare it. */
  size: number
}

/**
 * Builds a ZIP of `entries` exactly as given: nothing is compressed or checked here, so a caller
 * may hand over entries it deflated itself, and the headers say what the caller says.
 */
export function writeZip (entries: ReadonlyArray<ZipWriteEntry>): Buffer {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8')
    const local = Buffer.alloc(30)
    local.writeUInt32LE(localSignature, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6) // names are UTF-8
    local.writeUInt16LE(entry.method, 8)
    local.writeUInt32LE(entry.crc, 14)
    local.writeUInt32LE(entry.data.length, 18)
    local.writeUInt32LE(entry.size, 22)
    local.writeUInt16LE(name.length, 26)
    const record = Buffer.alloc(46)
    record.writeUInt32LE(centralSignature, 0)
    record.writeUInt16LE(20, 4)
    record.writeUInt16LE(20, 6)
    record.writeUInt16LE(0x0800, 8)
    record.writeUInt16LE(entry.method, 10)
    record.writeUInt32LE(entry.crc, 16)
    record.writeUInt32LE(entry.data.length, 20)
    record.writeUInt32LE(entry.size, 24)
    record.writeUInt16LE(name.length, 28)
    record.writeUInt32LE(offset, 42)
    parts.push(local, name, entry.data)
    central.push(record, name)
    offset += local.length + name.length + entry.data.length
  }
  const directory = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(eocdSignature, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...parts, directory, end])
}

/** Builds an uncompressed ZIP of `files`; cheap for the next reader and nothing to inflate. */
export function writeStoredZip (files: ReadonlyArray<{ name: string, data: Buffer }>): Buffer {
  return writeZip(files.map(({ name, data }) => ({ name, method: 0, data, crc: crc32(data), size: data.length })))
}
