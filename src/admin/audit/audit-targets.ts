import type { AuditEntryJsonType } from './audit-json.js'

/** How many target documents a row of the audit page links to before "and N more". */
const DOCUMENTS_SHOWN = 5

/** What an entry acted on, as the audit page shows it: links to the documents list and pages. */
export interface AuditTargets {
  /** The documents list with the entry's filter; its text lists the filter's parameters. */
  filter: { href: string, text: string } | null
  documents: Array<{ id: string, href: string }>
  moreDocuments: number
}

/** The stored filter as the documents list's query: scalar values as they are, arrays repeated. */
function filterParams (filter: Record<string, unknown>): URLSearchParams {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(filter)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one === 'string' || typeof one === 'number' || typeof one === 'boolean') params.append(name, String(one))
    }
  }
  return params
}

/** The targets of `entry` as links; the page escapes every text and attribute. */
export function auditTargets (entry: AuditEntryJsonType): AuditTargets {
  const params = entry.targetFilter === null ? null : filterParams(entry.targetFilter)
  const filter = params === null
    ? null
    : { href: `/admin/documents?${params.toString()}`, text: [...params].map(([name, value]) => `${name}=${value}`).join(', ') || 'every document' }
  const documents = entry.targetDocumentIds.slice(0, DOCUMENTS_SHOWN).map((id) => ({ id, href: `/admin/documents/${encodeURIComponent(id)}` }))
  return { filter, documents, moreDocuments: entry.targetDocumentCount - documents.length }
}
