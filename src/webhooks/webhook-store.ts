import { randomBytes, randomUUID } from 'node:crypto'
import { withTransaction, type Pool, type Queryable } from '../db/pool.js'
import type { DocumentEvent } from '../events/document-events.js'

export interface WebhookEndpoint {
  id: string
  url: string
  createdAt: Date
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface DeliveryRecord {
  id: string
  eventId: string
  documentId: string
  /** Null for an upload's callback URL. */
  endpointId: string | null
  url: string
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: Date
  lastStatusCode: number | null
  lastError: string | null
  createdAt: Date
  deliveredAt: Date | null
  eventStatus: DocumentEvent['status']
}

/** A new signing secret: 32 random bytes, shown to the tenant once. */
export function newWebhookSecret (): string {
  return `whsec_${randomBytes(32).toString('base64url')}`
}

/** Registers an endpoint, unless the tenant has `max` already; returns it with its secret. */
export async function createEndpoint (pool: Pool, tenant: string, url: string, max: number): Promise<(WebhookEndpoint & { secret: string }) | undefined> {
  return await withTransaction(pool, async (db) => {
    // Serialises the tenant's registrations, so that two at once cannot both pass the count.
    await db.query('select pg_advisory_xact_lock(hashtext($1))', [`webhooks:${tenant}`])
    const { rows: [{ count }] } = await db.query<{ count: number }>('select count(*)::int as count from webhook_endpoints where tenant = $1', [tenant])
    if (count >= max) return undefined
    const secret = newWebhookSecret()
    const { rows } = await db.query<WebhookEndpoint>(`
      insert into webhook_endpoints (id, tenant, url, secret) values ($1, $2, $3, $4)
      returning id, url, created_at as "createdAt"`, [randomUUID(), tenant, url, secret])
    return { ...rows[0], secret }
  })
}

export async function listEndpoints (db: Queryable, tenant: string): Promise<WebhookEndpoint[]> {
  const { rows } = await db.query<WebhookEndpoint>(`
    select id, url, created_at as "createdAt" from webhook_endpoints where tenant = $1 order by created_at, id`, [tenant])
  return rows
}

/** Deletes the endpoint and its deliveries; false when the tenant has no such endpoint. */
export async function deleteEndpoint (db: Queryable, tenant: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query('delete from webhook_endpoints where id = $1 and tenant = $2', [id, tenant])
  return rowCount === 1
}

/** Sets (or replaces) the tenant's callback secret; returns the new one. */
export async function rotateCallbackSecret (db: Queryable, tenant: string): Promise<string> {
  const secret = newWebhookSecret()
  await db.query(`
    insert into webhook_callback_secrets (tenant, secret) values ($1, $2)
    on conflict (tenant) do update set secret = excluded.secret, created_at = now()`, [tenant, secret])
  return secret
}

/**
 * Stores an upload's callback URL, and a delivery to it for each event the document already
 * has. The document's row is locked first: a change of status waits for this commit (and its
 * trigger then finds the callback), or this waits for it (and finds its event).
 */
export async function storeCallback (pool: Pool, tenant: string, documentId: string, url: string): Promise<void> {
  await withTransaction(pool, async (db) => {
    const { rowCount } = await db.query('select 1 from documents where id = $1 and tenant = $2 for update', [documentId, tenant])
    if (rowCount === 0) return
    await db.query(`
      insert into document_callbacks (document_id, tenant, url) values ($1, $2, $3)
      on conflict (document_id) do nothing`, [documentId, tenant, url])
    await db.query(`
      insert into webhook_deliveries (tenant, event_id, document_id, endpoint_id, url)
      select e.tenant, e.id, e.document_id, null, $3 from document_events e
      where e.document_id = $1 and e.tenant = $2
        and not exists (select from webhook_deliveries w where w.event_id = e.id and w.endpoint_id is null)`, [documentId, tenant, url])
  })
}

const DELIVERY_COLUMNS = `
  w.id::text as id, w.event_id::text as "eventId", w.document_id as "documentId", w.endpoint_id as "endpointId", w.url,
  w.status, w.attempts, w.next_attempt_at as "nextAttemptAt", w.last_status_code as "lastStatusCode",
  w.last_error as "lastError", w.created_at as "createdAt", w.delivered_at as "deliveredAt", e.status as "eventStatus"`

/** A page of the tenant's deliveries, newest first, before the delivery `before`. */
export async function listDeliveries (db: Queryable, tenant: string, options: { limit: number, before?: string, status?: DeliveryStatus, documentId?: string }): Promise<DeliveryRecord[]> {
  const { rows } = await db.query<DeliveryRecord>(`
    select ${DELIVERY_COLUMNS}
    from webhook_deliveries w left join document_events e on e.id = w.event_id
    where w.tenant = $1 and ($2::bigint is null or w.id < $2) and ($3::text is null or w.status = $3)
      and ($4::uuid is null or w.document_id = $4)
    order by w.id desc limit $5`, [tenant, options.before ?? null, options.status ?? null, options.documentId ?? null, options.limit])
  return rows
}

/** A delivery taken to be sent, with what it carries. */
export interface DueDelivery {
  id: string
  url: string
  attempts: number
  /** Null when the tenant has no callback secret for a callback URL. */
  secret: string | null
  event: DocumentEvent | null
}

/**
 * Takes up to `limit` due deliveries to send: each one's attempt is counted and its next one
 * pushed `leaseMs` ahead, so that a sender that dies leaves it to be sent again then, and a
 * second sender skips it meanwhile.
 */
export async function takeDueDeliveries (db: Queryable, limit: number, leaseMs: number): Promise<DueDelivery[]> {
  const { rows } = await db.query<DueDelivery & { eventRow: Record<string, unknown> | null }>(`
    with due as (
      select id from webhook_deliveries where status = 'pending' and next_attempt_at <= now()
      order by next_attempt_at limit $1 for update skip locked
    ), taken as (
      update webhook_deliveries w set attempts = w.attempts + 1, updated_at = now(),
        next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
      from due where w.id = due.id
      returning w.id, w.tenant, w.url, w.attempts, w.endpoint_id, w.event_id
    )
    select t.id::text as id, t.url, t.attempts,
           case when t.endpoint_id is null then s.secret else p.secret end as secret,
           case when e.id is null then null else json_build_object(
             'id', e.id::text, 'tenant', e.tenant, 'documentId', e.document_id, 'status', e.status, 'version', e.version,
             'errorKind', e.error_kind, 'errorCode', e.error_code, 'at', e.at) end as "eventRow"
    from taken t
    left join webhook_endpoints p on p.id = t.endpoint_id
    left join webhook_callback_secrets s on s.tenant = t.tenant
    left join document_events e on e.id = t.event_id
    order by t.id`, [limit, leaseMs])
  return rows.map(({ eventRow, ...row }) => ({
    ...row,
    event: eventRow === null ? null : { ...eventRow, at: new Date(eventRow.at as string) } as unknown as DocumentEvent
  }))
}

export async function markDelivered (db: Queryable, id: string, statusCode: number): Promise<void> {
  await db.query(`
    update webhook_deliveries set status = 'delivered', last_status_code = $2, last_error = null, delivered_at = now(), updated_at = now()
    where id = $1`, [id, statusCode])
}

/** Records a failed attempt: due again at `retryAt`, or failed for good when it is null. */
export async function markAttemptFailed (db: Queryable, id: string, failure: { statusCode: number | null, error: string, retryAt: Date | null }): Promise<void> {
  await db.query(`
    update webhook_deliveries set last_status_code = $2, last_error = $3, updated_at = now(),
      status = case when $4::timestamptz is null then 'failed' else 'pending' end,
      next_attempt_at = coalesce($4::timestamptz, next_attempt_at)
    where id = $1`, [id, failure.statusCode, failure.error.slice(0, 500), failure.retryAt])
}

/** Deletes finished deliveries and callback URLs older than `olderThanDays`, at most `limit` of each. */
export async function deleteOldDeliveries (db: Queryable, olderThanDays: number, limit: number): Promise<number> {
  const deliveries = await db.query(`
    delete from webhook_deliveries where id in (
      select id from webhook_deliveries where created_at < now() - make_interval(days => $1) and status <> 'pending'
      order by created_at limit $2)`, [olderThanDays, limit])
  const callbacks = await db.query(`
    delete from document_callbacks where document_id in (
      select document_id from document_callbacks where created_at < now() - make_interval(days => $1) order by created_at limit $2)`, [olderThanDays, limit])
  return (deliveries.rowCount ?? 0) + (callbacks.rowCount ?? 0)
}
