import { once } from 'node:events'
import { crc32, createDeflate, createDeflateRaw } from 'node:zlib'

/** Compressed bytes with the CRC-32 and length of what they inflate to. */
export interface Deflated {
  compressed: Buffer
  crc: number
  size: number
}

/**
 * `head`, then `unit` repeated, then `tail`: about `bytes` bytes in all (never more), deflated
 * as a stream so that the test never holds them inflated. `zlib` wraps the output in a zlib
 * header (PDF's FlateDecode) instead of raw deflate (ZIP).
 */
export async function deflateRepeated (head: string, unit: string, tail: string, bytes: number, format: 'raw' | 'zlib'): Promise<Deflated> {
  const block = Buffer.from(unit.repeat(Math.max(1, Math.floor(4 * 1024 * 1024 / Buffer.byteLength(unit)))))
  const deflate = format === 'raw' ? createDeflateRaw({ level: 9 }) : createDeflate({ level: 9 })
  const out: Buffer[] = []
  deflate.on('data', (chunk: Buffer) => out.push(chunk))
  const headBytes = Buffer.from(head)
  const tailBytes = Buffer.from(tail)
  let crc = crc32(headBytes)
  let size = headBytes.length
  deflate.write(headBytes)
  const unitBytes = Buffer.byteLength(unit)
  // Whole units only, so that a repeated XML element stays well-formed.
  for (let room = bytes - tailBytes.length - size; room >= unitBytes; room = bytes - tailBytes.length - size) {
    const piece = block.subarray(0, Math.min(block.length, room - room % unitBytes))
    crc = crc32(piece, crc)
    size += piece.length
    if (!deflate.write(piece)) await once(deflate, 'drain')
  }
  crc = crc32(tailBytes, crc)
  size += tailBytes.length
  deflate.end(tailBytes)
  await once(deflate, 'end')
  return { compressed: Buffer.concat(out), crc, size }
}
