import type { Pool } from '../db/pool.js'
import { AppError } from '../errors.js'
import { validWebhookUrl } from './webhook-url.js'
import {
  createEndpoint, deleteEndpoint, listDeliveries, listEndpoints, rotateCallbackSecret, storeCallback,
  type DeliveryRecord, type DeliveryStatus, type WebhookEndpoint
} from './webhook-store.js'

/** A tenant's webhooks: endpoints, the callback secret, upload callbacks and the deliveries. */
export class WebhookService {
  readonly #pool: Pool
  readonly #maxEndpoints: number

  constructor (options: { pool: Pool, maxEndpoints: number }) {
    this.#pool = options.pool
    this.#maxEndpoints = options.maxEndpoints
  }

  /** Registers `url`; the secret is in the answer, and never shown again. */
  async register (tenant: string, url: string): Promise<WebhookEndpoint & { secret: string }> {
    const endpoint = await createEndpoint(this.#pool, tenant, validWebhookUrl(url, 'url'), this.#maxEndpoints)
    if (endpoint === undefined) {
      throw new AppError('DOCQ_WEBHOOK_LIMIT_REACHED', `a tenant may register ${this.#maxEndpoints} webhooks (WEBHOOK_MAX_ENDPOINTS); delete one first`)
    }
    return endpoint
  }

  async list (tenant: string): Promise<WebhookEndpoint[]> {
    return await listEndpoints(this.#pool, tenant)
  }

  async remove (tenant: string, id: string): Promise<void> {
    if (!await deleteEndpoint(this.#pool, tenant, id)) throw new AppError('DOCQ_WEBHOOK_NOT_FOUND', `webhook ${id} not found`)
  }

  /** A new callback secret for the tenant's upload callbacks, replacing any before it. */
  async rotateCallbackSecret (tenant: string): Promise<string> {
    return await rotateCallbackSecret(this.#pool, tenant)
  }

  /** Sends the document's events to `url` from now on, and those it already has. */
  async addCallback (tenant: string, documentId: string, url: string): Promise<void> {
    await storeCallback(this.#pool, tenant, documentId, url)
  }

  async deliveries (tenant: string, options: { limit: number, before?: string, status?: DeliveryStatus, documentId?: string }): Promise<{ items: DeliveryRecord[], nextBefore: string | null }> {
    const items = await listDeliveries(this.#pool, tenant, options)
    return { items, nextBefore: items.length === options.limit ? items[items.length - 1].id : null }
  }
}
