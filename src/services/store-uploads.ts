import { isDataError } from '../db/data-error.js'
import type { DocumentRecord } from '../db/documents.js'
import type { DocumentQueueService, NewUpload } from '../queue/document-queue-service.js'

/** One upload's outcome in a batch: its document (undefined for a used idempotency key), or why it failed. */
export type StoredUpload = PromiseSettledResult<DocumentRecord | undefined>

/**
 * Stores a batch of uploads with one commit (see {@link DocumentQueueService.enqueueMany}). When
 * Postgres refuses the batch for the values one upload carries (a data exception, which fails
 * the whole statement), each upload is stored again on its own, so that only the one at fault
 * fails and the others are stored as if they had come alone. Any other failure (Postgres down)
 * is every upload's.
 */
export async function storeUploads (queue: DocumentQueueService, batch: NewUpload[]): Promise<StoredUpload[]> {
  try {
    return (await queue.enqueueMany(batch)).map((value) => ({ status: 'fulfilled', value }))
  } catch (error) {
    if (batch.length === 1 || !isDataError(error)) throw error
    return await Promise.allSettled(batch.map(async (upload) => (await queue.enqueueMany([upload]))[0]))
  }
}
