import { Type } from 'typebox'
import { AppError } from '../../errors.js'
import { priorityRanks, type PriorityName } from '../../queue/priority.js'
import { Priority } from '../../routes/schemas.js'
import { errorKinds, failureCodes, itemStatuses, operations, type ErrorKind, type FailureCode, type ItemStatus, type Operation } from '../../states.js'

/** Which documents an admin list, count or bulk action covers; every field narrows, all are optional. */
export interface DocumentFilter {
  status?: ItemStatus
  operation?: Operation
  tenant?: string
  priority?: PriorityName
  kind?: ErrorKind
  code?: FailureCode
  /** On created_at, inclusive: an ISO 8601 date (that day's start, UTC) or date-time (UTC without an offset). */
  from?: string
  /** On created_at, inclusive: a date covers that whole day (UTC); a date-time is the last instant covered. */
  to?: string
  /** Searched in the file name and the current item's error text, as a literal substring. */
  q?: string
  /** A normalised error message (SQL `normalised_error`, kept in `error_group`), as the failures page groups them. */
  group?: string
}

// A calendar date, optionally with a time and an offset; the calendar itself is checked in code.
const DATE_OR_DATE_TIME = '^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$'
const DATE_TIME_PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))?)?$/

/** Search terms shorter than a trigram cannot use the search indexes and would read every row. */
const SEARCH_MIN_LENGTH = 3
const SEARCH_MAX_LENGTH = 200

/** The query parameters of a filter, as the list, its JSON twin and bulk actions take them. */
export const DocumentFilterQuery = Type.Object({
  status: Type.Optional(Type.Enum(itemStatuses, { description: 'The document\'s status' })),
  operation: Type.Optional(Type.Enum(operations, { description: 'Why the current item exists: the first processing or a reprocess' })),
  tenant: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'One tenant (within the account\'s own tenants)' })),
  priority: Type.Optional(Priority),
  kind: Type.Optional(Type.Enum(errorKinds, { description: 'The current item\'s error kind' })),
  code: Type.Optional(Type.Enum(failureCodes, { description: 'The current item\'s failure code' })),
  from: Type.Optional(Type.String({ pattern: DATE_OR_DATE_TIME, description: 'Created at or after: an ISO 8601 date or date-time (UTC unless it has an offset)' })),
  to: Type.Optional(Type.String({ pattern: DATE_OR_DATE_TIME, description: 'Created at or before: an ISO 8601 date (the whole day, UTC) or date-time' })),
  q: Type.Optional(Type.String({
    minLength: SEARCH_MIN_LENGTH,
    maxLength: SEARCH_MAX_LENGTH,
    description: 'A literal substring of the file name or of the current item\'s error text, case-insensitive'
  })),
  group: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A normalised error message, as GET /admin/api/failures groups them' }))
}, { additionalProperties: false })

/** The filter's parameters in the order links carry them. */
const FILTER_KEYS = Object.keys(DocumentFilterQuery.properties) as Array<keyof DocumentFilter>

/**
 * A query without its empty parameters. A GET form sends every field, the ones left blank as
 * `name=`; blank means "any", so it is dropped before the schema sees it rather than refused.
 */
export function withoutEmptyParams (query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== ''))
}

/**
 * The condition on created_at for a `from` or `to` bound (`$` stands for its parameter), or a 400
 * for a day, hour or minute that does not exist: the pattern lets February 30 through, and
 * Postgres would refuse it with a 500.
 */
function createdAtBound (side: 'from' | 'to', value: string): { sql: string, value: string } {
  const match = DATE_TIME_PARTS.exec(value)
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] =
    [1, 2, 3, 4, 5, 6, 8, 9].map((index) => Number(match?.[index] ?? 0))
  const date = new Date(Date.UTC(year, month - 1, day))
  const exists = match !== null && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day &&
    hour < 24 && minute < 60 && second < 60 && offsetHours < 16 && offsetMinutes < 60
  if (!exists) throw new AppError('DOCQ_REQUEST_INVALID', `${side} must be a real ISO 8601 date or date-time, such as 2026-03-01 or 2026-03-01T12:00:00Z`)
  // A date is a whole day and a time without an offset is UTC, whatever the session's zone.
  if (match[4] === undefined) {
    return side === 'from'
      ? { sql: 'd.created_at >= ($::date::timestamp at time zone \'UTC\')', value }
      : { sql: 'd.created_at < (($::date + 1)::timestamp at time zone \'UTC\')', value }
  }
  return { sql: `d.created_at ${side === 'from' ? '>=' : '<='} $::timestamptz`, value: match[7] === undefined ? `${value}Z` : value }
}

/** `term` as an ILIKE pattern that matches it literally anywhere: its `%`, `_` and `\` escaped. */
export function containsPattern (term: string): string {
  return `%${term.replace(/[\\%_]/g, (char) => `\\${char}`)}%`
}

/**
 * SQL conditions over `documents d`, limited to `tenants` (null = all); params numbered from
 * `firstParam`. Every field is read from the document, which carries its current item's
 * (migrations 005 and 016), each with an index in the list's order. The tenant limit is always
 * one of the conditions, whatever the filter's own `tenant` says, so the filter can only narrow
 * it. Throws a 400 AppError for impossible dates.
 */
export function filterConditions (filter: DocumentFilter, tenants: string[] | null, firstParam = 1): { sql: string, params: unknown[] } {
  const conditions: string[] = []
  const params: unknown[] = []
  /** Adds a condition whose `$` placeholders all stand for one new parameter. */
  const add = (sql: string, value: unknown): void => {
    params.push(value)
    conditions.push(sql.replaceAll('$', `$${firstParam + params.length - 1}`))
  }
  if (tenants !== null) add('d.tenant = any($::text[])', tenants)
  if (filter.tenant !== undefined) add('d.tenant = $', filter.tenant)
  if (filter.status !== undefined) add('d.status = $', filter.status)
  if (filter.operation !== undefined) add('d.operation = $', filter.operation)
  if (filter.priority !== undefined) add('d.priority = $', priorityRanks[filter.priority])
  if (filter.kind !== undefined) add('d.error_kind = $', filter.kind)
  if (filter.code !== undefined) add('d.error_code = $', filter.code)
  for (const side of ['from', 'to'] as const) {
    const value = filter[side]
    if (value === undefined) continue
    const bound = createdAtBound(side, value)
    add(bound.sql, bound.value)
  }
  if (filter.group !== undefined) add('d.error_group = $', filter.group)
  // One table, two trigram indexes: a rare term is a BitmapOr of both, a common one is met
  // walking the creation order, and the planner picks between them.
  if (filter.q !== undefined) add('(d.filename ilike $ or d.last_error ilike $)', containsPattern(filter.q))
  return { sql: conditions.length === 0 ? 'true' : conditions.join(' and '), params }
}

/** The filter as query parameters, for links to the list, the failures page and bulk actions. */
export function filterSearchParams (filter: DocumentFilter): URLSearchParams {
  const params = new URLSearchParams()
  for (const key of FILTER_KEYS) {
    const value = filter[key]
    if (value !== undefined && value !== '') params.set(key, value)
  }
  return params
}

/** The filter fields of a validated query (the list's query also holds `after` and `limit`). */
export function filterOf (query: DocumentFilter): DocumentFilter {
  return Object.fromEntries(FILTER_KEYS.filter((key) => query[key] !== undefined).map((key) => [key, query[key]]))
}
