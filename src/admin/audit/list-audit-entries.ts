import type { Queryable } from '../../db/pool.js'
import { encodeAuditCursor, type AuditCursor } from './audit-cursor.js'
import { TARGET_ID_SAMPLE, type AuditEntryJsonType, type AuditPage } from './audit-json.js'
import type { AuditRange } from './audit-range.js'

/** Which entries a page of the audit log holds. */
export interface AuditFilter {
  accountName?: string
  action?: string
  range: AuditRange
  after?: AuditCursor
  limit: number
}

/** Who reads the log: an account limited to some tenants reads only its own entries. */
export interface AuditReader {
  accountId: string
  tenants: string[] | null
}

interface AuditRow extends Omit<AuditEntryJsonType, 'affected'> {
  affected: string | null
}

/**
 * One page of the audit log, newest first, through the (at, id) indexes of migrations 006 and
 * 011 (keyset pagination: no offset, so every page costs the same). The conditions are fixed
 * fragments, added only for the filters given, so that each combination gets a plan that uses
 * its index; every value is a parameter.
 *
 * Entries name no tenant: an action on a filter or on documents may span several. So an
 * account limited to some tenants reads only the entries it wrote itself; an account of every
 * tenant reads them all.
 */
export async function listAuditEntries (db: Queryable, reader: AuditReader, filter: AuditFilter): Promise<AuditPage> {
  const conditions: string[] = []
  const values: unknown[] = []
  const add = (fragment: (param: string) => string, value: unknown): void => {
    values.push(value)
    conditions.push(fragment(`$${values.length}`))
  }
  if (reader.tenants !== null) add((p) => `a.account_id = ${p}::bigint`, reader.accountId)
  if (filter.accountName !== undefined) add((p) => `a.account_name = ${p}`, filter.accountName)
  if (filter.action !== undefined) add((p) => `a.action = ${p}`, filter.action)
  if (filter.range.from !== undefined) add((p) => `a.at >= ${p}::timestamptz`, filter.range.from)
  if (filter.range.to !== undefined) add((p) => `a.at ${filter.range.to?.inclusive === true ? '<=' : '<'} ${p}::timestamptz`, filter.range.to.at)
  if (filter.after !== undefined) {
    values.push(filter.after.at, filter.after.id)
    conditions.push(`(a.at, a.id) < ($${values.length - 1}::timestamptz, $${values.length}::bigint)`)
  }
  values.push(filter.limit + 1)
  const { rows } = await db.query<AuditRow>(`
    select a.id::text as id,
           to_char(a.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at,
           a.account_id::text as "accountId", a.account_name as "accountName", a.action,
           a.target_filter as "targetFilter",
           coalesce(a.target_item_ids[1:${TARGET_ID_SAMPLE}], '{}')::text[] as "targetDocumentIds",
           coalesce(cardinality(a.target_item_ids), 0) as "targetDocumentCount",
           a.affected::text as affected, a.reason, a.address
      from admin_audit a
     ${conditions.length === 0 ? '' : `where ${conditions.join(' and ')}`}
     order by a.at desc, a.id desc
     limit $${values.length}`, values)
  const entries = rows.slice(0, filter.limit).map((row) => ({ ...row, affected: row.affected === null ? null : Number(row.affected) }))
  const last = entries.at(-1)
  return { entries, nextCursor: rows.length > filter.limit && last !== undefined ? encodeAuditCursor(last) : null }
}
