import { findDocumentChunks, type ChunkRow } from '../db/chunks.js'
import {
  findDocument, findDocumentByIdempotencyKey, findDocumentContent, findDocumentText, listDocuments,
  type DocumentRecord
} from '../db/documents.js'
import type { Pool } from '../db/pool.js'
import { AppError } from '../errors.js'
import { TurnBatcher } from '../lib/turn-batcher.js'
import { detectType } from '../processing/index.js'
import type { DocumentQueueService, NewUpload } from '../queue/document-queue-service.js'
import type { AttemptRow } from '../queue/sql/attempts.js'
import type { QueueStats } from '../queue/sql/queue-stats.js'
import type { DocumentStatus } from '../states.js'
import { inSpan, SpanKind, TRACE_ATTRIBUTE, traceparentOf } from '../tracing/trace-context.js'
import { sanitizeDeclaredType, sanitizeFilename } from './filename.js'
import { decodeCursor, encodeCursor } from './list-cursor.js'
import { storeUploads, type StoredUpload } from './store-uploads.js'

// Uploads that finish together are stored together: one commit serves a burst, where a commit
// per upload would make Postgres flush its log for each. A batch holds this many at most...
const UPLOAD_BATCH_MAX = 64
// ...and closes once it holds this many bytes: large uploads gain nothing from sharing a commit,
// and the small ones behind them would wait for their bytes.
const UPLOAD_BATCH_MAX_BYTES = 8 * 1024 * 1024
// Uploads up to this size (most of them) are batched apart from larger ones, one batch stored at
// a time: the uploads that arrive while it is stored gather into the next, so the statements,
// commits and wake-up calls per upload fall as the load rises, where several batches in flight
// each took the few uploads of one event-loop turn. A large upload never holds them up: it goes
// with the others of its size.
const SMALL_UPLOAD_MAX_BYTES = 256 * 1024
// Batches of larger uploads being stored at once. Postgres writes large uploads no faster in
// parallel, and a burst of them must not take every pooled connection from reads (whose wait
// for a connection is short and fails as "database unavailable"): with the batch of small
// ones, uploads hold four connections at most. Uploads that arrive meanwhile gather into the
// next batch.
const LARGE_UPLOAD_BATCHES_IN_FLIGHT = 3

export interface Upload {
  tenant: string
  filename: string | undefined
  declaredType: string | undefined
  bytes: Buffer
  sha256: string
  priority: number
  /** A client's key for this upload: a retry with the same key returns the first document. */
  idempotencyKey?: string
}

export interface Accepted {
  document: DocumentRecord
  /** True when an earlier upload with the same idempotency key is returned instead. */
  replayed: boolean
}

export type DocumentDetails = DocumentRecord & { history: AttemptRow[] }

export interface DocumentPage {
  items: DocumentRecord[]
  nextCursor: string | null
}

function notFound (id: string): AppError {
  return new AppError('DOCQ_DOCUMENT_NOT_FOUND', `document ${id} not found`)
}

function notReady (id: string, status: DocumentStatus): AppError {
  return new AppError('DOCQ_DOCUMENT_NOT_READY', `document ${id} has no result yet (it is ${status}); its text and passages exist once it has completed`)
}

/** Documents of a tenant: accept, read, list, reprocess and delete. Never waits for processing. */
export class DocumentService {
  readonly #pool: Pool
  readonly #queue: DocumentQueueService
  readonly #smallUploads: TurnBatcher<NewUpload, StoredUpload>
  readonly #largeUploads: TurnBatcher<NewUpload, StoredUpload>

  constructor (options: { pool: Pool, queue: DocumentQueueService }) {
    this.#pool = options.pool
    this.#queue = options.queue
    const uploadBatcher = (maxInFlight: number): TurnBatcher<NewUpload, StoredUpload> => new TurnBatcher({
      run: async (batch) => await storeUploads(options.queue, batch),
      maxItems: UPLOAD_BATCH_MAX,
      maxWeight: UPLOAD_BATCH_MAX_BYTES,
      weight: (upload) => upload.bytes.length,
      maxInFlight
    })
    this.#smallUploads = uploadBatcher(1)
    this.#largeUploads = uploadBatcher(LARGE_UPLOAD_BATCHES_IN_FLIGHT)
  }

  /**
   * Stores the document, its bytes and its first queue item (with the uploads that finish at the
   * same moment; an upload Postgres refuses fails alone, see {@link storeUploads}), and sends its
   * wake-up; see {@link DocumentQueueService.enqueueMany}. With an
   * idempotency key already used by the tenant, the first document is returned (or 422 when the
   * bytes differ), and nothing new is stored. Traced as `docqueue.upload`, the span whose context
   * the queue item carries to the worker.
   */
  async upload (upload: Upload): Promise<Accepted> {
    if (upload.bytes.length === 0) throw new AppError('DOCQ_UPLOAD_EMPTY', 'the file is empty')
    return await inSpan('docqueue.upload', { kind: SpanKind.PRODUCER }, async (span) => {
      const batcher = upload.bytes.length <= SMALL_UPLOAD_MAX_BYTES ? this.#smallUploads : this.#largeUploads
      const stored = await batcher.add({
        tenant: upload.tenant,
        filename: sanitizeFilename(upload.filename),
        declaredType: sanitizeDeclaredType(upload.declaredType),
        mediaType: await detectType(upload.bytes),
        size: upload.bytes.length,
        sha256: upload.sha256,
        priority: upload.priority,
        idempotencyKey: upload.idempotencyKey ?? null,
        traceparent: traceparentOf(),
        bytes: upload.bytes
      })
      if (stored.status === 'rejected') throw stored.reason
      const document = stored.value
      if (document === undefined) {
        const original = await this.#replay(upload)
        span.setAttributes({ [TRACE_ATTRIBUTE.documentId]: original.id, [TRACE_ATTRIBUTE.replayed]: true })
        return { document: original, replayed: true }
      }
      span.setAttributes({ [TRACE_ATTRIBUTE.documentId]: document.id, [TRACE_ATTRIBUTE.itemId]: document.itemId })
      return { document, replayed: false }
    })
  }

  async #replay (upload: Upload): Promise<DocumentRecord> {
    const key = upload.idempotencyKey ?? ''
    const original = await findDocumentByIdempotencyKey(this.#pool, upload.tenant, key)
    // Deleted between the insert's conflict and this read: rare, and a retry then uploads anew.
    if (original === undefined) throw new AppError('DOCQ_DOCUMENT_NOT_FOUND', 'the document of this idempotency key was deleted')
    if (original.sha256 !== upload.sha256) {
      throw new AppError('DOCQ_IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used for an upload with different content')
    }
    return original
  }

  /** One of the tenant's documents; another tenant's id is not found. */
  async get (tenant: string, id: string): Promise<DocumentRecord> {
    const document = await findDocument(this.#pool, tenant, id)
    if (document === undefined) throw notFound(id)
    return document
  }

  /** A document with the history of every attempt at it. */
  async details (tenant: string, id: string): Promise<DocumentDetails> {
    const document = await this.get(tenant, id)
    return { ...document, history: await this.#queue.getAttempts(id) }
  }

  /** The tenant's documents, newest first, a page at a time. */
  async list (tenant: string, options: { status?: DocumentStatus, cursor?: string, limit: number }): Promise<DocumentPage> {
    const rows = await listDocuments(this.#pool, tenant, {
      status: options.status,
      after: options.cursor === undefined ? undefined : decodeCursor(options.cursor),
      limit: options.limit + 1
    })
    const page = rows.slice(0, options.limit)
    const last = page.at(-1)
    return { items: page, nextCursor: rows.length > options.limit && last !== undefined ? encodeCursor(last.position) : null }
  }

  /** Queues the document again, as it was queued; refused while it is pending or in progress. */
  async reprocess (tenant: string, id: string, priority: number | undefined): Promise<DocumentRecord> {
    const queued = await inSpan('docqueue.reprocess', { kind: SpanKind.PRODUCER, attributes: { [TRACE_ATTRIBUTE.documentId]: id } }, async (span) => {
      const document = await this.#queue.enqueue(tenant, id, { priority, traceparent: traceparentOf() })
      if (document !== undefined) span.setAttribute(TRACE_ATTRIBUTE.itemId, document.itemId)
      return document
    })
    if (queued !== undefined) return queued
    const now = await findDocument(this.#pool, tenant, id)
    if (now === undefined) throw notFound(id)
    throw new AppError('DOCQ_DOCUMENT_BUSY', `document ${id} is ${now.status}; wait until it is completed or failed`)
  }

  /** Removes the document, its bytes, results and queue items, and cancels its wake-ups. */
  async delete (tenant: string, id: string): Promise<void> {
    if (!await this.#queue.remove(tenant, id)) throw notFound(id)
  }

  /**
   * The last extracted text of a document and the version it belongs to. A reprocess pending,
   * running or failed leaves the last good result readable; only a document that never
   * completed has none.
   */
  async text (tenant: string, id: string): Promise<{ text: string, version: number }> {
    const found = await findDocumentText(this.#pool, tenant, id)
    if (found === undefined) throw notFound(id)
    if (found.version === 0 || found.text === null) throw notReady(id, found.status)
    return { text: found.text, version: found.version }
  }

  /**
   * A page of a document's last passages, after ordinal `after` (-1 for the first page), with
   * the version they belong to: a client paging through them while a reprocess completes sees
   * the version change.
   */
  async chunks (tenant: string, id: string, after: number, limit: number): Promise<{ items: ChunkRow[], nextAfter: number | null, version: number }> {
    const found = await findDocumentChunks(this.#pool, tenant, id, after, limit + 1)
    if (found === undefined) throw notFound(id)
    if (found.version === 0) throw notReady(id, found.status)
    const items = found.chunks.slice(0, limit)
    return { items, nextAfter: found.chunks.length > limit ? items[items.length - 1].ordinal : null, version: found.version }
  }

  /** The original bytes as uploaded, with the display name and the detected type. */
  async content (tenant: string, id: string): Promise<{ filename: string, mediaType: string, bytes: Buffer }> {
    const found = await findDocumentContent(this.#pool, tenant, id)
    if (found === undefined) throw notFound(id)
    return found
  }

  /** The tenant's queue counts. */
  async stats (tenant: string): Promise<QueueStats> {
    return await this.#queue.getQueueStats(tenant)
  }
}
