import { setTimeout as delay } from 'node:timers/promises'
import { mapConcurrently } from '../lib/map-concurrently.js'
import { ITEM_STATUS } from '../states.js'
import { ApiError, type ApiClient } from './api-client.js'
import { EXIT } from './exit-codes.js'
import { readServerSentEvents } from './server-sent-events.js'
import { formatTable } from './table.js'

/** What a document's `status` events carry (a subset of GET /documents/{id}; only these fields are read). */
interface DocumentState {
  status: string
  errorCode: string | null
}

export interface WaitResult {
  id: string
  /** The final status, or the last one seen when the wait ran out (`timedOut`). */
  status: string | null
  timedOut: boolean
  error: { code: string, message: string } | null
}

const RECONNECT_DELAY_MS = 1_000
/** Streams open at once: the API allows a tenant a bounded number per process (EVENTS_MAX_STREAMS_PER_TENANT). */
const MAX_STREAMS = 16

/** A failed document's result, with its last error read from the document (events carry only the code). */
async function failure (client: ApiClient, id: string, state: DocumentState): Promise<WaitResult> {
  const document = await client.json('GET', `/documents/${id}`) as { errorCode: string | null, lastError: string | null }
  return { id, status: ITEM_STATUS.failed, timedOut: false, error: { code: document.errorCode ?? state.errorCode ?? 'failed', message: document.lastError ?? '' } }
}

/**
 * Follows one document's `GET /documents/{id}/events` until a final status. The first event is
 * the current state, so a document already done answers at once; a stream that ends or breaks
 * (a proxy's idle timeout, a server closing it) is resumed from the last event id. An API that
 * cannot be reached at all stops the command (exit 3), as for every other command.
 */
async function waitForOne (client: ApiClient, id: string, signal: AbortSignal): Promise<WaitResult> {
  let last: DocumentState | undefined
  let lastEventId: string | undefined
  try {
    for (;;) {
      const headers: Record<string, string> = { accept: 'text/event-stream' }
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
      const response = await client.send('GET', `/documents/${id}/events`, { headers, signal })
      let final: DocumentState | undefined
      try {
        for await (const event of readServerSentEvents(response.body ?? new ReadableStream())) {
          lastEventId = event.id ?? lastEventId
          if (event.event === 'deleted') return { id, status: 'deleted', timedOut: false, error: { code: 'deleted', message: 'the document was deleted' } }
          if (event.event !== 'status') continue
          last = JSON.parse(event.data) as DocumentState
          if (last.status === ITEM_STATUS.completed || last.status === ITEM_STATUS.failed) {
            final = last
            break
          }
        }
      } catch (error) {
        // A stream cut while reading (a proxy, fetch's idle body timeout) is resumed like one that ended.
        if (signal.aborted) throw error
      }
      if (final?.status === ITEM_STATUS.completed) return { id, status: final.status, timedOut: false, error: null }
      if (final !== undefined) return await failure(client, id, final)
      // The stream ended before a final status: resume after a pause, not in a tight loop.
      await delay(RECONNECT_DELAY_MS, undefined, { signal })
    }
  } catch (error) {
    if (signal.aborted) return { id, status: last?.status ?? null, timedOut: true, error: null }
    if (error instanceof ApiError) return { id, status: null, timedOut: false, error: { code: error.code, message: error.message } }
    throw error
  }
}

function describe (result: WaitResult): string {
  if (result.timedOut) return `timed out (${result.status ?? 'no status yet'})`
  if (result.error !== null) return result.status === null ? `error ${result.error.code}: ${result.error.message}` : `failed ${result.error.code}: ${result.error.message}`
  return result.status ?? ''
}

/**
 * `docqueue wait ID…`: waits for the documents (up to MAX_STREAMS at once), prints each as it ends, then the
 * summary. Exit 0 when all completed, 1 when some failed or do not exist, 4 when the timeout
 * ran out first (whatever the others did), 3 when the API cannot be reached.
 */
export async function waitFor (client: ApiClient, ids: string[], options: { timeoutSeconds: number | undefined, json: boolean }): Promise<number> {
  const controller = new AbortController()
  const timer = options.timeoutSeconds === undefined ? undefined : setTimeout(() => controller.abort(), options.timeoutSeconds * 1000)
  let results: WaitResult[]
  try {
    results = await mapConcurrently(ids, MAX_STREAMS, async (id) => {
      const result = await waitForOne(client, id, controller.signal)
      if (!options.json && !result.timedOut) console.error(`${id}: ${describe(result)}`)
      return result
    })
  } finally {
    // One document that cannot be followed (the server gone) ends the others' streams too.
    clearTimeout(timer)
    controller.abort()
  }
  if (options.json) console.log(JSON.stringify(results))
  else console.log(formatTable(['ID', 'STATUS'], results.map((result) => [result.id, describe(result)])))
  if (results.some((result) => result.timedOut)) return EXIT.timeout
  return results.some((result) => result.error !== null) ? EXIT.failed : EXIT.ok
}
