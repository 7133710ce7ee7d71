import { AppError } from '../../errors.js'

/** Where a page of the audit log ends: its last entry's moment (to the microsecond) and id. */
export interface AuditCursor {
  at: string
  id: string
}

// `at` keeps Postgres's microseconds: a JavaScript Date would round them away and skip or repeat
// entries made in the same millisecond.
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)_(\d{1,18})$/

export function encodeAuditCursor (cursor: AuditCursor): string {
  return `${cursor.at}_${cursor.id}`
}

/** The cursor of an `after` parameter; a 400 for anything this module did not write. */
export function decodeAuditCursor (text: string): AuditCursor {
  const match = CURSOR.exec(text)
  if (match === null || Number.isNaN(Date.parse(match[1]))) {
    throw new AppError('DOCQ_REQUEST_INVALID', 'after must be the nextCursor of a previous page of the audit log')
  }
  return { at: match[1], id: match[2] }
}
