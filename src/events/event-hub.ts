import pg from 'pg'
import type { Logger } from 'pino'
import type { Pool } from '../db/pool.js'
import { AppError } from '../errors.js'
import { currentState, eventsAfter, type DocumentEvent } from './document-events.js'

/** The channel the triggers of migration 014 notify, with `<event id> <document id>`. */
export const EVENTS_CHANNEL = 'document_events'
/** How the listening connection names itself in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'docqueue-events'

const RECONNECT_MIN_MS = 500
const RECONNECT_MAX_MS = 30_000

/** One client's interest in one document's events. */
export interface Subscription {
  readonly tenant: string
  readonly documentId: string
  /**
   * Starts delivery after the event `afterId`: events that arrived before are kept until then,
   * so that nothing falls between reading the table and the first notification.
   */
  start: (afterId: string) => void
  /** Ends the subscription; idempotent. */
  unsubscribe: () => void
}

interface Subscriber {
  tenant: string
  documentId: string
  /** Null until started. */
  lastId: bigint | null
  held: DocumentEvent[]
  deliver: (event: DocumentEvent) => void
  end: () => void
}

/**
 * Starts hearing the notifications of {@link EVENTS_CHANNEL}: calls `onPayload` with each one's
 * payload, and `onLost` once if it stops hearing them. Resolves, once listening, with the stop.
 */
export type ListenForEvents = (onPayload: (payload: string | undefined) => void, onLost: (error: Error) => void) => Promise<() => Promise<void>>

export interface EventHubOptions {
  pool: Pool
  databaseUrl: string
  /** How to hear notifications; a LISTEN connection of its own to `databaseUrl` unless given. */
  listen?: ListenForEvents
  logger: Logger
  /** Streams one tenant may hold open in this process at once. */
  maxStreamsPerTenant: number
}

/**
 * The API process's live events: ONE listening Postgres connection, opened at the first
 * subscription, fanned out to every subscriber. A notification only says which document to
 * look at; the events themselves are read from `document_events` after each subscriber's last
 * one, so duplicates are dropped and, when the connection drops, the hub listens again and
 * catches every subscriber up from the table.
 */
export class DocumentEventHub {
  readonly #options: EventHubOptions
  readonly #byDocument = new Map<string, Set<Subscriber>>()
  readonly #streamsPerTenant = new Map<string, number>()
  /** Stops the listening in force; undefined while not listening. */
  #stopListening: (() => Promise<void>) | undefined
  /** Names the listening in force, so that the late loss of an older one changes nothing. */
  #listeningToken: object | undefined
  #listening: Promise<void> | undefined
  #reconnectDelayMs = RECONNECT_MIN_MS
  #reconnectTimer: NodeJS.Timeout | undefined
  readonly #dirty = new Set<string>()
  #reading: Promise<void> | undefined
  #closed = false

  constructor (options: EventHubOptions) {
    this.#options = options
  }

  /**
   * Subscribes to a document's events; refused with 429 past the tenant's stream limit. `end`
   * is called when the hub shuts down. Resolves once the hub is listening, so that the caller
   * may read the table and then `start`.
   */
  async subscribe (tenant: string, documentId: string, handlers: { deliver: (event: DocumentEvent) => void, end: () => void }): Promise<Subscription> {
    const open = this.#streamsPerTenant.get(tenant) ?? 0
    if (open >= this.#options.maxStreamsPerTenant) {
      throw new AppError('DOCQ_EVENTS_TOO_MANY_STREAMS', `this tenant already has ${open} event streams open on this server, the most allowed (EVENTS_MAX_STREAMS_PER_TENANT)`, 5)
    }
    const subscriber: Subscriber = { tenant, documentId, lastId: null, held: [], ...handlers }
    this.#streamsPerTenant.set(tenant, open + 1)
    const subscribers = this.#byDocument.get(documentId) ?? new Set()
    subscribers.add(subscriber)
    this.#byDocument.set(documentId, subscribers)
    let subscribed = true
    const unsubscribe = (): void => {
      if (!subscribed) return
      subscribed = false
      subscribers.delete(subscriber)
      if (subscribers.size === 0) this.#byDocument.delete(documentId)
      const left = (this.#streamsPerTenant.get(tenant) ?? 1) - 1
      if (left === 0) this.#streamsPerTenant.delete(tenant)
      else this.#streamsPerTenant.set(tenant, left)
    }
    try {
      await this.#listen()
    } catch (error) {
      unsubscribe()
      throw error
    }
    return {
      tenant,
      documentId,
      start: (afterId) => {
        subscriber.lastId = BigInt(afterId)
        const held = subscriber.held
        subscriber.held = []
        for (const event of held) offer(subscriber, event)
      },
      unsubscribe
    }
  }

  /** The tenant's document now, as an event (see {@link currentState}); undefined for another tenant's. */
  async current (tenant: string, documentId: string): Promise<DocumentEvent | undefined> {
    return await currentState(this.#options.pool, tenant, documentId)
  }

  /** The document's events after `afterId`, oldest first. */
  async after (documentId: string, afterId: string): Promise<DocumentEvent[]> {
    return await eventsAfter(this.#options.pool, [documentId], afterId)
  }

  /** Streams open in this process, per tenant (for tests and diagnostics). */
  openStreams (tenant: string): number {
    return this.#streamsPerTenant.get(tenant) ?? 0
  }

  /** Ends every stream (their clients reconnect elsewhere) and closes the listening connection. */
  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#reconnectTimer)
    for (const subscribers of [...this.#byDocument.values()]) {
      for (const subscriber of [...subscribers]) subscriber.end()
    }
    await this.#reading
    const stop = this.#stopListening
    this.#stopListening = undefined
    await stop?.().catch(() => {})
  }

  /** Connects and listens, once; a failed attempt is forgotten so that the next one retries. */
  async #listen (): Promise<void> {
    this.#listening ??= this.#connect().catch((error: unknown) => {
      this.#listening = undefined
      throw error
    })
    await this.#listening
  }

  async #connect (): Promise<void> {
    if (this.#closed) throw new AppError('DOCQ_DATABASE_UNAVAILABLE', 'the server is shutting down')
    const listen = this.#options.listen ?? listenOnOwnConnection(this.#options.databaseUrl)
    const token = {}
    try {
      const stop = await listen((payload) => {
        const documentId = payload?.split(' ')[1]
        if (documentId !== undefined && this.#byDocument.has(documentId)) this.#markDirty([documentId])
      }, (error) => { if (this.#listeningToken === token) this.#lost(error) })
      this.#listeningToken = token
      this.#stopListening = stop
    } catch (error) {
      throw new AppError('DOCQ_DATABASE_UNAVAILABLE', `cannot listen for document events: ${(error as Error).message}`)
    }
    this.#reconnectDelayMs = RECONNECT_MIN_MS
  }

  /** The listening connection is gone: listen again, then read what was missed meanwhile. */
  #lost (error: Error): void {
    if (this.#closed) return
    this.#listeningToken = undefined
    this.#stopListening = undefined
    this.#listening = undefined
    this.#options.logger.warn({ err: error.message }, 'lost the connection listening for document events; listening again')
    this.#scheduleReconnect()
  }

  #scheduleReconnect (): void {
    clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = setTimeout(() => {
      this.#listen().then(() => {
        this.#markDirty([...this.#byDocument.keys()])
      }, (error: Error) => {
        this.#options.logger.warn({ err: error.message, retryInMs: this.#reconnectDelayMs }, 'cannot listen for document events yet')
        this.#reconnectDelayMs = Math.min(RECONNECT_MAX_MS, this.#reconnectDelayMs * 2)
        this.#scheduleReconnect()
      })
    }, this.#reconnectDelayMs)
  }

  /** Reads the events of these documents soon; notifications of one moment share one query. */
  #markDirty (documentIds: string[]): void {
    for (const id of documentIds) this.#dirty.add(id)
    this.#reading ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => { await this.#readDirty() })
  }

  async #readDirty (): Promise<void> {
    while (this.#dirty.size > 0 && !this.#closed) {
      const documentIds = [...this.#dirty]
      this.#dirty.clear()
      const subscribers = documentIds.flatMap((id) => [...this.#byDocument.get(id) ?? []])
      if (subscribers.length === 0) continue
      // Subscribers not started yet hold what they get, so they read from the start too.
      const from = subscribers.reduce((min, s) => s.lastId !== null && s.lastId < min ? s.lastId : min, subscribers[0].lastId ?? 0n)
      const after = subscribers.some((s) => s.lastId === null) ? 0n : from
      try {
        const events = await eventsAfter(this.#options.pool, documentIds, after.toString())
        for (const event of events) {
          for (const subscriber of this.#byDocument.get(event.documentId) ?? []) offer(subscriber, event)
        }
      } catch (error) {
        // Read again at the next notification or reconnection; the streams stay open meanwhile.
        this.#options.logger.warn({ err: (error as Error).message }, 'cannot read document events; retrying shortly')
        for (const id of documentIds) this.#dirty.add(id)
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MIN_MS))
      }
    }
    this.#reading = undefined
  }
}

/** The usual way to hear events: one connection of the hub's own, LISTENing. */
function listenOnOwnConnection (databaseUrl: string): ListenForEvents {
  return async (onPayload, onLost) => {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: LISTENER_APPLICATION_NAME, connectionTimeoutMillis: 5_000 })
    client.on('notification', (message) => { onPayload(message.payload) })
    client.on('error', onLost)
    client.on('end', () => { onLost(new Error('connection ended')) })
    try {
      await client.connect()
      await client.query(`listen ${EVENTS_CHANNEL}`)
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }
    return async () => { await client.end() }
  }
}

/** Hands `event` to the subscriber once, in order: held until it starts, dropped if already seen. */
function offer (subscriber: Subscriber, event: DocumentEvent): void {
  if (subscriber.lastId === null) {
    subscriber.held.push(event)
    return
  }
  const id = BigInt(event.id)
  if (id <= subscriber.lastId) return
  subscriber.lastId = id
  subscriber.deliver(event)
}
