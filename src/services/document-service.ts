import { randomUUID } from 'node:crypto'
import { findDocumentChunks, type ChunkRow } from '../db/chunks.js'
import {
  deleteDocument, findDocument, findDocumentByIdempotencyKey, findDocumentContent, findDocumentText, listDocuments,
  type DocumentRecord, type DocumentStatus
} from '../db/documents.js'
import type { Pool } from '../db/pool.js'
import { listAttempts, type AttemptRow } from '../db/queue-items.js'
import type { QueueStats } from '../db/queue-stats.js'
import { AppError } from '../errors.js'
import { detectType } from '../processing/index.js'
import type { DocumentQueueService } from '../queue/document-queue-service.js'
import { sanitizeDeclaredType, sanitizeFilename } from './filename.js'
import { decodeCursor, encodeCursor } from './list-cursor.js'
import { UploadBatcher } from './upload-batcher.js'

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
  readonly #batcher: UploadBatcher

  constructor (options: { pool: Pool, queue: DocumentQueueService }) {
    this.#pool = options.pool
    this.#queue = options.queue
    this.#batcher = new UploadBatcher(options.pool)
  }

  /**
   * Stores the document, its bytes and its first queue item in one transaction (shared with the
   * uploads that finish at the same moment), then dispatches the wake-up. A Redis outage does not fail the upload: the item waits in Postgres.
   * With an idempotency key already used by the tenant, the first document is returned (or 422
   * when the bytes differ), and nothing new is stored.
   */
  async upload (upload: Upload): Promise<Accepted> {
    if (upload.bytes.length === 0) throw new AppError('DOCQ_UPLOAD_EMPTY', 'the file is empty')
    const document = await this.#batcher.insert({
      id: randomUUID(),
      itemId: randomUUID(),
      tenant: upload.tenant,
      filename: sanitizeFilename(upload.filename),
      declaredType: sanitizeDeclaredType(upload.declaredType),
      mediaType: await detectType(upload.bytes),
      size: upload.bytes.length,
      sha256: upload.sha256,
      priority: upload.priority,
      maxAttempts: this.#queue.maxAttemptsFor('process'),
      idempotencyKey: upload.idempotencyKey ?? null
    }, upload.bytes)
    if (document === undefined) return { document: await this.#replay(upload), replayed: true }
    await this.#queue.dispatch({ id: document.itemId, documentId: document.id, priority: document.priority, wakeups: 0 })
    return { document, replayed: false }
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
    return { ...document, history: await listAttempts(this.#pool, id) }
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

  /**
   * Queues the document again; refused while it is pending or in progress. Answers with the
   * document as queued (read before the wake-up goes out, so a fast worker cannot race the reply).
   */
  async reprocess (tenant: string, id: string, priority: number | undefined): Promise<DocumentRecord> {
    const current = await this.get(tenant, id)
    const item = await this.#queue.addItem(id, 'reprocess', priority ?? current.priority)
    if (item === undefined) {
      const now = await findDocument(this.#pool, tenant, id)
      if (now === undefined) throw notFound(id)
      throw new AppError('DOCQ_DOCUMENT_BUSY', `document ${id} is ${now.status}; wait until it is completed or failed`)
    }
    const queued = await this.get(tenant, id)
    await this.#queue.dispatch(item)
    return queued
  }

  /** Removes the document, its bytes, results and queue items, and cancels its wake-ups. */
  async delete (tenant: string, id: string): Promise<void> {
    const items = await deleteDocument(this.#pool, tenant, id)
    if (items === undefined) throw notFound(id)
    await this.#queue.cancel(items)
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
