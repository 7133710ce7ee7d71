/**
 * The one catalogue of every state and outcome docqueue records. Types, the API's schemas and
 * the SQL all take their values from here (SQL by interpolating these constants into its
 * literal statements), and migrations constrain the columns to the same lists; a test checks
 * that the database and this file agree.
 */
import type { ProcessingErrorCode } from './processing/index.js'

/**
 * Where a queue item is. A document's status is always its current item's, written in the same
 * statement, so documents and items share this list.
 */
export const ITEM_STATUS = {
  pending: 'pending',
  inProgress: 'in_progress',
  completed: 'completed',
  failed: 'failed'
} as const
export type ItemStatus = typeof ITEM_STATUS[keyof typeof ITEM_STATUS]
export type DocumentStatus = ItemStatus
export const itemStatuses: readonly ItemStatus[] = Object.values(ITEM_STATUS)

/** Why an item exists: the first processing of an upload, or a reprocess a client asked for. */
export const OPERATION = {
  process: 'process',
  reprocess: 'reprocess'
} as const
export type Operation = typeof OPERATION[keyof typeof OPERATION]
export const operations: readonly Operation[] = Object.values(OPERATION)

/** How one attempt at an item ended; an attempt still running has none. */
export const ATTEMPT_OUTCOME = {
  completed: 'completed',
  failed: 'failed',
  /** Failed transiently; the item is pending again, due after a backoff. */
  retrying: 'retrying',
  /** Its worker died or went silent before finishing. */
  crashed: 'crashed',
  /** Given back unfinished at a worker's shutdown, without spending an attempt. */
  released: 'released'
} as const
export type AttemptOutcome = typeof ATTEMPT_OUTCOME[keyof typeof ATTEMPT_OUTCOME]
export const attemptOutcomes: readonly AttemptOutcome[] = Object.values(ATTEMPT_OUTCOME)

/** Why an item's last attempt failed, as far as retrying goes. */
export const ERROR_KIND = {
  /** Pending again: the next attempt is scheduled. */
  transient: 'transient',
  /** Failed for good: the same bytes cannot succeed (a bad file, a limit). */
  permanent: 'permanent',
  /** Failed for good: the processing time limit, which the same bytes would reach again. */
  timeout: 'timeout',
  /** Failed for good: transient failures used up every attempt. */
  exhausted: 'exhausted',
  /** Failed for good: the worker died on every attempt (a poison document). */
  crashed: 'crashed',
  /** Failed for good: an operator cancelled it while it was pending. */
  cancelled: 'cancelled'
} as const
export type ErrorKind = typeof ERROR_KIND[keyof typeof ERROR_KIND]
export const errorKinds: readonly ErrorKind[] = Object.values(ERROR_KIND)

/** What went wrong, for machines: the processing error codes, and those the queue adds. */
export const FAILURE_CODE = {
  unsupportedType: 'unsupported_type',
  corrupt: 'corrupt',
  encrypted: 'encrypted',
  limitExceeded: 'limit_exceeded',
  timeout: 'timeout',
  internal: 'internal',
  /** Postgres refused the extracted result's values. */
  invalidResult: 'invalid_result',
  /** The worker died on every attempt. */
  crashed: 'crashed',
  /** An operator cancelled the item while it was pending. */
  cancelled: 'cancelled'
} as const satisfies Record<string, ProcessingErrorCode | 'invalid_result' | 'crashed' | 'cancelled'>
export type FailureCode = typeof FAILURE_CODE[keyof typeof FAILURE_CODE]
export const failureCodes: readonly FailureCode[] = Object.values(FAILURE_CODE)

/**
 * What an admin account may do; each role may also do everything of the roles before it.
 * Viewers read; operators also retry, cancel, pause and reprocess; admins also delete, clear
 * and manage retention.
 */
export const ADMIN_ROLE = {
  viewer: 'viewer',
  operator: 'operator',
  admin: 'admin'
} as const
export type AdminRole = typeof ADMIN_ROLE[keyof typeof ADMIN_ROLE]
export const adminRoles: readonly AdminRole[] = Object.values(ADMIN_ROLE)

/**
 * What an operator may do to documents, from their page, the JSON API or a bulk action, with
 * the least role each needs.
 */
export const ADMIN_ACTION = {
  /** A failed document's item goes back to pending with a fresh attempts budget. */
  retry: { role: ADMIN_ROLE.operator },
  /** A completed or failed document is queued again as a new reprocess item. */
  reprocess: { role: ADMIN_ROLE.operator },
  /** A pending document ends failed, kind and code `cancelled`. */
  cancel: { role: ADMIN_ROLE.operator },
  /** The document goes, with its bytes, results, items and attempts. */
  delete: { role: ADMIN_ROLE.admin }
} as const satisfies Record<string, { role: AdminRole }>
export type AdminAction = keyof typeof ADMIN_ACTION
export const adminActions: readonly AdminAction[] = Object.keys(ADMIN_ACTION) as AdminAction[]
