// Stand-in for H3's filter module (the contract's signatures), replaced when it is merged.
import { Type, type TSchema } from 'typebox'
import { priorityRanks, type PriorityName } from '../../queue/priority.js'
import { errorKinds, failureCodes, itemStatuses, operations, type ErrorKind, type FailureCode, type ItemStatus, type Operation } from '../../states.js'

export interface DocumentFilter {
  status?: ItemStatus
  operation?: Operation
  tenant?: string
  priority?: PriorityName
  kind?: ErrorKind
  code?: FailureCode
  from?: string
  to?: string
  q?: string
  group?: string
}

export const DocumentFilterQuery: TSchema = Type.Object({
  status: Type.Optional(Type.Enum(itemStatuses)),
  operation: Type.Optional(Type.Enum(operations)),
  tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  priority: Type.Optional(Type.Enum(Object.keys(priorityRanks) as PriorityName[])),
  kind: Type.Optional(Type.Enum(errorKinds)),
  code: Type.Optional(Type.Enum(failureCodes)),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  group: Type.Optional(Type.String({ minLength: 1, maxLength: 500 }))
})

export function filterConditions (filter: DocumentFilter, tenants: string[] | null, firstParam = 1): { sql: string, params: unknown[] } {
  const conditions: string[] = []
  const params: unknown[] = []
  const add = (sql: (p: string) => string, value: unknown): void => {
    params.push(value)
    conditions.push(sql(`$${firstParam + params.length - 1}`))
  }
  if (tenants !== null) add((p) => `d.tenant = any(${p}::text[])`, tenants)
  if (filter.status !== undefined) add((p) => `d.status = ${p}`, filter.status)
  if (filter.operation !== undefined) add((p) => `q.operation = ${p}`, filter.operation)
  if (filter.tenant !== undefined) add((p) => `d.tenant = ${p}`, filter.tenant)
  if (filter.priority !== undefined) add((p) => `q.priority = ${p}`, priorityRanks[filter.priority])
  if (filter.kind !== undefined) add((p) => `q.error_kind = ${p}`, filter.kind)
  if (filter.code !== undefined) add((p) => `q.error_code = ${p}`, filter.code)
  if (filter.from !== undefined) add((p) => `d.created_at >= ${p}::timestamptz`, filter.from)
  if (filter.to !== undefined) add((p) => `d.created_at < ${p}::timestamptz`, filter.to)
  if (filter.q !== undefined) add((p) => `(d.filename ilike '%' || ${p} || '%' or q.last_error ilike '%' || ${p} || '%')`, filter.q)
  return { sql: conditions.length === 0 ? 'true' : conditions.join(' and '), params }
}

export function filterSearchParams (filter: DocumentFilter): URLSearchParams {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(filter)) if (typeof value === 'string') params.set(name, value)
  return params
}
