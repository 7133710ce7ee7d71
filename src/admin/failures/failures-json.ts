import { Type, type Static } from 'typebox'
import { failureCodes } from '../../states.js'
import { DocumentFilterQuery } from '../documents/document-filter.js'

// The failures page as the JSON API answers it and the page reads it: one shape for both.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

/** How far back the page looks, by when the failure happened; as SQL intervals. */
export const FAILURE_WINDOWS = { '1h': '1 hour', '24h': '24 hours', '7d': '7 days', '30d': '30 days' } as const
type FailureWindow = keyof typeof FAILURE_WINDOWS

/**
 * The grouping reads at most this many failed documents, the newest first: the page's cost is
 * bounded however many failures pile up, and it says when older ones were left out.
 */
export const FAILURE_SCAN_LIMIT = 10_000
/** The groups shown, the largest first. */
export const FAILURE_GROUP_LIMIT = 100

export const FailuresQuery = Type.Object({
  tenant: DocumentFilterQuery.properties.tenant,
  window: Type.Optional(Type.Enum(Object.keys(FAILURE_WINDOWS) as FailureWindow[], { description: 'Only failures of the last hour, day, week or 30 days' }))
}, { additionalProperties: false })
export type FailuresQueryType = Static<typeof FailuresQuery>

const FailureGroupJson = Type.Object({
  code: Nullable(Type.Enum(failureCodes, { description: 'The failure code the group shares' })),
  group: Nullable(Type.String({ description: 'The normalised error message the group shares; pass it as `group` to GET /admin/api/documents' })),
  count: Type.Integer({ minimum: 1 }),
  firstSeenAt: Type.String({ format: 'date-time', description: 'When the earliest of the group failed' }),
  lastSeenAt: Type.String({ format: 'date-time', description: 'When the latest of the group failed' }),
  sample: Type.Object({
    documentId: Type.String({ format: 'uuid' }),
    tenant: Type.String(),
    filename: Type.String(),
    message: Nullable(Type.String({ description: 'The latest failure\'s error message, at most 1000 characters' }))
  }, { description: 'The latest failed document of the group' })
})
export type FailureGroup = Static<typeof FailureGroupJson>

export const FailuresJson = Type.Object({
  groups: Type.Array(FailureGroupJson, { description: `Failed documents grouped by failure code and normalised message, largest first, at most ${FAILURE_GROUP_LIMIT}` }),
  scanned: Type.Integer({ minimum: 0, description: 'How many failed documents were grouped (within the window, if one was given)' }),
  truncated: Type.Boolean({ description: `The scan stopped at the ${FAILURE_SCAN_LIMIT} newest failed documents; older ones are not in the groups` }),
  moreGroups: Type.Boolean({ description: `There are more than ${FAILURE_GROUP_LIMIT} groups; the smallest are left out` })
})
export type Failures = Static<typeof FailuresJson>
