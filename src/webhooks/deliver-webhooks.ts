import type { Logger } from 'pino'
import type { Pool } from '../db/pool.js'
import { toEventJson } from '../events/document-events.js'
import { postWebhook } from './post-webhook.js'
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.js'
import { markAttemptFailed, markDelivered, takeDueDeliveries, type DueDelivery } from './webhook-store.js'

/** How deliveries are sent and retried. */
export interface WebhookPolicy {
  timeoutMs: number
  maxAttempts: number
  retryBaseMs: number
  retryMaxMs: number
  allowPrivateAddresses: boolean
}

/** Deliveries sent at once per round. */
const BATCH_SIZE = 20

/** When the attempt after `attempts` failed ones is due: exponential, capped; null after the last. */
export function nextAttemptAt (policy: WebhookPolicy, attempts: number, now = Date.now()): Date | null {
  if (attempts >= policy.maxAttempts) return null
  return new Date(now + Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** (attempts - 1)))
}

/** The JSON body of a delivery: the event, in the shape the event stream sends. */
export function deliveryBody (delivery: DueDelivery): string | undefined {
  if (delivery.event === null) return undefined
  const type = delivery.event.status === 'deleted' ? 'document.deleted' : 'document.status'
  return JSON.stringify({ type, eventId: delivery.event.id, data: toEventJson(delivery.event) })
}

async function deliver (pool: Pool, policy: WebhookPolicy, delivery: DueDelivery): Promise<boolean> {
  const body = deliveryBody(delivery)
  const fail = async (statusCode: number | null, error: string, final = false): Promise<boolean> => {
    await markAttemptFailed(pool, delivery.id, { statusCode, error, retryAt: final ? null : nextAttemptAt(policy, delivery.attempts) })
    return false
  }
  // Neither can change by waiting: the event was deleted by retention, or no secret was ever set.
  if (body === undefined) return await fail(null, 'the event is no longer kept', true)
  if (delivery.secret === null) return await fail(null, 'the tenant has no callback secret: create one with POST /webhooks/callback-secret', true)
  const headers = {
    [SIGNATURE_HEADER]: signatureHeader(delivery.secret, Math.floor(Date.now() / 1000), body),
    [EVENT_ID_HEADER]: delivery.event?.id ?? ''
  }
  const outcome = await postWebhook(delivery.url, body, headers, policy)
  if (outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300) {
    await markDelivered(pool, delivery.id, outcome.statusCode)
    return true
  }
  return await fail(outcome.statusCode, outcome.error ?? `answered ${String(outcome.statusCode)}`)
}

/**
 * Sends the deliveries that are due, a batch at a time, until none is due or `maxBatches` ran.
 * Each attempt is counted before it is made, so a crash mid-send retries it later rather than
 * never. Returns how many were delivered.
 */
export async function deliverDueWebhooks (deps: { pool: Pool, logger: Logger, policy: WebhookPolicy }, maxBatches: number): Promise<number> {
  const { pool, logger, policy } = deps
  let delivered = 0
  for (let batch = 0; batch < maxBatches; batch++) {
    // A taken delivery is not due again before its request must have ended.
    const due = await takeDueDeliveries(pool, BATCH_SIZE, policy.timeoutMs * 2)
    if (due.length === 0) break
    const outcomes = await Promise.all(due.map(async (delivery) => await deliver(pool, policy, delivery).catch((error: Error) => {
      logger.warn({ delivery: delivery.id, err: error.message }, 'webhook delivery not recorded; it is sent again later')
      return false
    })))
    delivered += outcomes.filter(Boolean).length
    if (due.length < BATCH_SIZE) break
  }
  return delivered
}
