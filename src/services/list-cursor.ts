import type { ListPosition } from '../db/documents.js'
import { AppError } from '../errors.js'

// The form Postgres gives `timestamptz::text` in its default ISO DateStyle, offsets within its range.
const POSITION_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](?:0\d|1[0-5])(?::[0-5]\d){0,2}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** True for a real calendar time in the form above: Postgres refuses February 30 where `Date.parse` rolls it over. */
function isPositionTime (value: string): boolean {
  const match = POSITION_TIME.exec(value)
  if (match === null) return false
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number)
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second))
  return time.getUTCFullYear() === year && time.getUTCMonth() === month - 1 && time.getUTCDate() === day &&
    time.getUTCHours() === hour && time.getUTCMinutes() === minute && time.getUTCSeconds() === second
}

/** The opaque `nextCursor` for a list position. */
export function encodeCursor (position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url')
}

/**
 * The list position in a cursor. A cursor is client input: anything but a position this API
 * wrote is refused here, so that no crafted value reaches SQL.
 */
export function decodeCursor (cursor: string): ListPosition {
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    decoded = undefined
  }
  if (Array.isArray(decoded) && decoded.length === 2) {
    const [createdAt, id] = decoded as unknown[]
    if (typeof createdAt === 'string' && typeof id === 'string' && isPositionTime(createdAt) && UUID.test(id)) return { createdAt, id }
  }
  throw new AppError('DOCQ_REQUEST_INVALID', 'cursor is not one returned by this API')
}
