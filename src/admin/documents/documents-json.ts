import { Type, type Static } from 'typebox'
import { Priority } from '../../routes/schemas.js'
import { errorKinds, failureCodes, itemStatuses, operations } from '../../states.js'
import { DocumentFilterQuery } from './document-filter.js'

// The documents list as the JSON API answers it and the page reads it: one shape for both.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

/** Page sizes: the default, and the most one page may hold. */
export const PAGE_SIZE = { default: 50, max: 200 } as const

/**
 * How far a filtered count goes before it stops and says "at least". A count reads an index
 * entry per document counted, and a search a row per match: 1,000 keeps the four counts of a
 * broad filter under 100 ms with 10^6 documents (10,000 took seconds).
 */
export const COUNT_CAP = 1_000

/** The list's query: a filter, plus where the page starts and how long it is. */
export const DocumentListQuery = Type.Object({
  ...DocumentFilterQuery.properties,
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The nextCursor of the previous page' })),
  limit: Type.Integer({ minimum: 1, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default, description: 'Documents per page' })
}, { additionalProperties: false })
export type DocumentListQueryType = Static<typeof DocumentListQuery>

const AdminDocumentJson = Type.Object({
  id: Type.String({ format: 'uuid' }),
  tenant: Type.String(),
  filename: Type.String(),
  status: Type.Enum(itemStatuses),
  operation: Type.Enum(operations),
  priority: Priority,
  errorKind: Nullable(Type.Enum(errorKinds)),
  errorCode: Nullable(Type.Enum(failureCodes)),
  errorMessage: Nullable(Type.String({ description: 'The start of the current item\'s last error, at most 300 characters' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' })
})
export type AdminDocumentJsonType = Static<typeof AdminDocumentJson>

const StatusCountJson = Type.Object({
  status: Type.Enum(itemStatuses),
  count: Type.Integer({ minimum: 0, description: `Documents in this status; ${COUNT_CAP} when capped` }),
  capped: Type.Boolean({ description: `Counting stopped at ${COUNT_CAP}: there are more` })
})
export type StatusCount = Static<typeof StatusCountJson>

export const DocumentListJson = Type.Object({
  documents: Type.Array(AdminDocumentJson, { description: 'Newest first (created_at, then id, descending)' }),
  nextCursor: Nullable(Type.String({ description: 'Pass as `after` for the next page; null on the last page' })),
  counts: Type.Array(StatusCountJson, {
    description: 'Documents per status for the filter\'s other conditions (the status filter picks one of them); exact when the filter is ' +
      `at most tenant, status and kind, else counted up to ${COUNT_CAP} per status`
  })
})
export type DocumentList = Static<typeof DocumentListJson>
