import { AppError } from '../../errors.js'

/** A time range over the audit log: `from` inclusive; `to` inclusive for a moment, exclusive for the end of a day. */
export interface AuditRange {
  from?: string
  to?: { at: string, inclusive: boolean }
}

const DAY_MS = 86_400_000

/** A query's day or moment as an ISO moment in UTC, or a 400 naming the parameter. */
function moment (name: string, text: string): { at: string, day: boolean } {
  const day = text.length === 10
  const iso = day ? `${text}T00:00:00Z` : text.replace(' ', 'T').replace(/(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$/, '$1Z')
  const ms = Date.parse(iso)
  // Date.parse rolls 2026-02-31 over into March; a day that does not round-trip does not exist.
  if (Number.isNaN(ms) || (day && new Date(ms).toISOString().slice(0, 10) !== text)) {
    throw new AppError('DOCQ_REQUEST_INVALID', `${name} is not a real day or moment: use 2026-12-01 or 2026-12-01T10:00:00Z`)
  }
  return { at: new Date(ms).toISOString(), day }
}

/** The range of a query's `from` and `to` (empty ones ignored): a day as `to` covers the whole day. */
export function auditRange (from: string | undefined, to: string | undefined): AuditRange {
  const range: AuditRange = {}
  if (from !== undefined && from !== '') range.from = moment('from', from).at
  if (to !== undefined && to !== '') {
    const end = moment('to', to)
    range.to = end.day ? { at: new Date(Date.parse(end.at) + DAY_MS).toISOString(), inclusive: false } : { at: end.at, inclusive: true }
  }
  return range
}
