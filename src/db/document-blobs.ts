import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { from as copyFrom } from 'pg-copy-streams'
import type { Client } from './pool.js'

/** A document's original bytes, to be stored beside its row. */
export interface NewBlob {
  documentId: string
  bytes: Buffer
}

// PostgreSQL's binary COPY format: signature, flags (none), header extension length (none).
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')
const COPY_HEADER = Buffer.concat([COPY_SIGNATURE, Buffer.alloc(8)])
const COPY_TRAILER = Buffer.from([0xff, 0xff])
// Large uploads go to the socket in slices that are views, not copies, so that backpressure
// from Postgres holds the upload itself and nothing beside it.
const SLICE_BYTES = 1024 * 1024
// Small pieces (row headers, small uploads) are gathered into one write of up to this size: the
// driver makes two socket writes per piece, which costs more than copying a few kilobytes.
const GATHER_BYTES = 64 * 1024

function uuidBytes (uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex')
}

function rowHead (documentId: string, length: number): Buffer {
  const head = Buffer.alloc(2 + 4 + 16 + 4)
  head.writeInt16BE(2, 0)
  head.writeInt32BE(16, 2)
  uuidBytes(documentId).copy(head, 6)
  head.writeInt32BE(length, 22)
  return head
}

/** The binary COPY stream of `blobs`: each row is (document_id uuid, bytes bytea). */
function * copyRows (blobs: NewBlob[]): Generator<Buffer> {
  let gathered: Buffer[] = [COPY_HEADER]
  let gatheredBytes = COPY_HEADER.length
  for (const { documentId, bytes } of blobs) {
    const head = rowHead(documentId, bytes.length)
    if (gatheredBytes + head.length + bytes.length <= GATHER_BYTES) {
      gathered.push(head, bytes)
      gatheredBytes += head.length + bytes.length
      continue
    }
    yield Buffer.concat([...gathered, head])
    gathered = []
    gatheredBytes = 0
    for (let offset = 0; offset < bytes.length; offset += SLICE_BYTES) yield bytes.subarray(offset, offset + SLICE_BYTES)
  }
  yield Buffer.concat([...gathered, COPY_TRAILER])
}

/**
 * Stores the bytes of documents already inserted in this transaction with one binary
 * `COPY ... FROM STDIN`. The bytes go to the socket as they are: a bind parameter would be
 * copied whole into the driver's message buffer (which grows by copying as well), tripling
 * the memory an upload takes while it is stored.
 */
export async function copyDocumentBlobs (client: Client, blobs: NewBlob[]): Promise<void> {
  if (blobs.length === 0) return
  await pipeline(
    Readable.from(copyRows(blobs), { objectMode: false }),
    client.query(copyFrom('copy document_blobs (document_id, bytes) from stdin (format binary)'))
  )
}
