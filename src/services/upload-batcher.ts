import { copyDocumentBlobs } from '../db/document-blobs.js'
import { insertDocumentsWithItems, type DocumentRecord, type NewDocument } from '../db/documents.js'
import { withTransaction, type Pool } from '../db/pool.js'

interface Waiting {
  doc: NewDocument
  bytes: Buffer
  resolve: (stored: DocumentRecord | undefined) => void
  reject: (error: unknown) => void
}

// Enough to make one commit serve a burst; small enough that a statement stays quick.
const MAX_BATCH = 64
// Large uploads gain nothing from sharing a commit, and the small ones behind them would wait
// for their bytes: a batch closes once it holds this much.
const MAX_BATCH_BYTES = 8 * 1024 * 1024
// A batch this small goes as one statement with its bytes as parameters: the driver's copy of
// them is a bounded overhead, and a transaction with a COPY costs small uploads more CPU
// (three more round trips, more socket writes) than that copy.
const INLINE_MAX_BYTES = 1024 * 1024
// Batches being stored at once. Postgres writes large uploads no faster in parallel, and a
// burst of them must not take every pooled connection from reads (whose wait for a
// connection is short and fails as "database unavailable"). Uploads that arrive meanwhile
// gather into the next batch.
const MAX_IN_FLIGHT = 4

/**
 * Stores uploads in batches: a small batch in one statement, a larger one in one transaction
 * with one statement for the rows and one binary COPY for the bytes, so that an upload is never
 * copied whole on its way to Postgres. Under load many uploads complete together, and a commit
 * per upload would make Postgres flush its log for each; alone, an upload waits only for the
 * current event-loop turn to end.
 * A failed batch fails every upload in it (it can only fail for reasons they share, such as
 * Postgres being down: every value is generated or sanitised before it gets here).
 */
export class UploadBatcher {
  readonly #pool: Pool
  #waiting: Waiting[] = []
  #inFlight = 0
  #scheduled = false

  constructor (pool: Pool) {
    this.#pool = pool
  }

  /** Stores one document and its bytes; undefined when its idempotency key was already used by its tenant. */
  async insert (doc: NewDocument, bytes: Buffer): Promise<DocumentRecord | undefined> {
    return await new Promise((resolve, reject) => {
      this.#waiting.push({ doc, bytes, resolve, reject })
      if (this.#scheduled) return
      // The uploads that finish in this turn join the same batch.
      this.#scheduled = true
      setImmediate(() => {
        this.#scheduled = false
        this.#drain()
      })
    })
  }

  #drain (): void {
    while (this.#inFlight < MAX_IN_FLIGHT && this.#waiting.length > 0) {
      const batch = this.#takeBatch()
      this.#inFlight++
      this.#store(batch).finally(() => {
        this.#inFlight--
        this.#drain()
      }).catch(() => {})
    }
  }

  #takeBatch (): Waiting[] {
    let count = 0
    let bytes = 0
    while (count < this.#waiting.length && count < MAX_BATCH && bytes < MAX_BATCH_BYTES) bytes += this.#waiting[count++].bytes.length
    return this.#waiting.splice(0, count)
  }

  /** Never rejects: the outcome goes to each waiting upload. */
  async #store (batch: Waiting[]): Promise<void> {
    try {
      const docs = batch.map(({ doc }) => doc)
      const blobs = batch.map(({ doc, bytes }) => ({ documentId: doc.id, bytes }))
      const stored = blobs.reduce((sum, { bytes }) => sum + bytes.length, 0) <= INLINE_MAX_BYTES
        ? await insertDocumentsWithItems(this.#pool, docs, blobs)
        : await withTransaction(this.#pool, async (client) => {
          const rows = await insertDocumentsWithItems(client, docs)
          const inserted = new Set(rows.map((row) => row.id))
          await copyDocumentBlobs(client, blobs.filter(({ documentId }) => inserted.has(documentId)))
          return rows
        })
      const byId = new Map(stored.map((row) => [row.id, row]))
      for (const waiting of batch) waiting.resolve(byId.get(waiting.doc.id))
    } catch (error) {
      for (const waiting of batch) waiting.reject(error)
    }
  }
}
