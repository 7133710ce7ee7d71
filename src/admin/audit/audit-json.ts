import { Type, type Static } from 'typebox'

// The audit log as `GET /admin/api/audit` answers it and `/admin/audit` reads it: one shape.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

// A day (`2026-12-01`: the whole day, in UTC) or a moment (`2026-12-01T10:00:00Z`; UTC when no
// offset is given). Empty means no bound, as a page's form sends an empty field.
const DAY_OR_MOMENT = '^$|^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:\\d{2})?)?$'

/** Entries per page unless the query says otherwise. */
export const AUDIT_PAGE_SIZE = 50

/** How many target ids an entry shows at most; the count says how many it has. */
export const TARGET_ID_SAMPLE = 20

export const AuditQuery = Type.Object({
  account: Type.Optional(Type.String({ maxLength: 200, description: 'Only entries by the account of this name (exact)' })),
  action: Type.Optional(Type.String({ maxLength: 100, description: 'Only entries of this action (exact), such as `login.failed`' })),
  from: Type.Optional(Type.String({ pattern: DAY_OR_MOMENT, description: 'Entries at or after this day (UTC) or moment' })),
  to: Type.Optional(Type.String({ pattern: DAY_OR_MOMENT, description: 'Entries up to the end of this day (UTC), or up to this moment' })),
  after: Type.Optional(Type.String({ maxLength: 100, description: 'The `nextCursor` of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: AUDIT_PAGE_SIZE, description: 'Entries per page' }))
}, { additionalProperties: false })
export type AuditQueryType = Static<typeof AuditQuery>

export const AuditEntryJson = Type.Object({
  id: Type.String({ description: 'The entry\'s number, increasing' }),
  at: Type.String({ format: 'date-time' }),
  accountId: Nullable(Type.String({ description: 'null for a failed sign-in, whose name no account proved' })),
  accountName: Type.String({ description: 'The name the account had when it acted' }),
  action: Type.String({ description: 'What was done, as area.verb: login.succeeded, login.failed, logout, ...' }),
  targetFilter: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'The documents filter the action applied to, as its query had it' })),
  targetDocumentIds: Type.Array(Type.String({ format: 'uuid' }), { description: `The documents it applied to: the first ${TARGET_ID_SAMPLE}` }),
  targetDocumentCount: Type.Integer({ minimum: 0, description: 'How many documents it named' }),
  affected: Nullable(Type.Integer({ description: 'How many it changed' })),
  reason: Nullable(Type.String({ description: 'The reason the operator typed' })),
  address: Nullable(Type.String({ description: 'The client address the request came from' }))
})
export type AuditEntryJsonType = Static<typeof AuditEntryJson>

export const AuditPageJson = Type.Object({
  entries: Type.Array(AuditEntryJson, { description: 'Newest first' }),
  nextCursor: Nullable(Type.String({ description: 'Pass as `after` for the next (older) page; null on the last page' }))
}, { description: 'The audit log, newest first. A tenant-limited account sees only its own entries.' })
export type AuditPage = Static<typeof AuditPageJson>
