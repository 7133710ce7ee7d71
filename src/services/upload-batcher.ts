import { insertDocumentsWithItems, type DocumentRecord, type NewDocument } from '../db/documents.js'
import type { Pool } from '../db/pool.js'

interface Waiting {
  doc: NewDocument
  resolve: (stored: DocumentRecord | undefined) => void
  reject: (error: unknown) => void
}

// Enough to make one commit serve a burst; small enough that a statement stays quick.
const MAX_BATCH = 64

/**
 * Stores the uploads that finish in the same event-loop turn with one statement and one commit.
 * Under load many uploads complete together, and a commit per upload would make Postgres
 * flush its log for each; alone, an upload waits only for the current turn to end.
 * A failed statement fails every upload of its batch (it can only fail for reasons they share,
 * such as Postgres being down: every value is generated or sanitised before it gets here).
 */
export class UploadBatcher {
  readonly #pool: Pool
  #batch: Waiting[] = []

  constructor (pool: Pool) {
    this.#pool = pool
  }

  /** Stores one document; undefined when its idempotency key was already used by its tenant. */
  async insert (doc: NewDocument): Promise<DocumentRecord | undefined> {
    return await new Promise((resolve, reject) => {
      this.#batch.push({ doc, resolve, reject })
      if (this.#batch.length === 1) setImmediate(() => { this.#flush() })
      if (this.#batch.length >= MAX_BATCH) this.#flush()
    })
  }

  #flush (): void {
    const batch = this.#batch
    this.#batch = []
    if (batch.length > 0) this.#store(batch).catch(() => {})
  }

  /** Never rejects: the outcome goes to each waiting upload. */
  async #store (batch: Waiting[]): Promise<void> {
    try {
      const stored = await insertDocumentsWithItems(this.#pool, batch.map(({ doc }) => doc))
      const byId = new Map(stored.map((row) => [row.id, row]))
      for (const waiting of batch) waiting.resolve(byId.get(waiting.doc.id))
    } catch (error) {
      for (const waiting of batch) waiting.reject(error)
    }
  }
}
