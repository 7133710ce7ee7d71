import { priorityRanks } from '../../queue/priority.js'
import { errorKinds, failureCodes, itemStatuses, operations } from '../../states.js'
import type { AdminIdentity } from '../admin-identity.js'
import { bulkActionsFor } from './bulk-links.js'
import { filterOf, filterSearchParams } from './document-filter.js'
import { PAGE_SIZE, type DocumentList, type DocumentListQueryType, type StatusCount } from './documents-json.js'

/** How much of an error message a table cell shows; the rest is on the detail page. */
const ERROR_CELL_LENGTH = 120

/** A count as the page shows it: "1,000+" when counting stopped at the cap. */
function countLabel (count: StatusCount): string {
  return `${count.count.toLocaleString('en-US')}${count.capped ? '+' : ''}`
}

/** `/admin/documents` with these parameters. */
function listHref (params: URLSearchParams): string {
  const query = params.toString()
  return query === '' ? '/admin/documents' : `/admin/documents?${query}`
}

/** What the documents page template shows, worked out here so that the template only prints. */
export function documentsPageModel (list: DocumentList, query: DocumentListQueryType, admin: AdminIdentity) {
  const filter = filterOf(query)
  const base = filterSearchParams(filter)
  if (query.limit !== PAGE_SIZE.default) base.set('limit', String(query.limit))
  const withParams = (changes: Record<string, string | undefined>): string => {
    const params = new URLSearchParams(base)
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined) params.delete(name)
      else params.set(name, value)
    }
    return listHref(params)
  }
  return {
    filter,
    limit: query.limit,
    filtered: Object.keys(filter).length > 0,
    paged: query.after !== undefined,
    documents: list.documents.map((document) => ({
      ...document,
      href: `/admin/documents/${document.id}`,
      errorPreview: document.errorMessage === null || document.errorMessage.length <= ERROR_CELL_LENGTH
        ? document.errorMessage
        : `${document.errorMessage.slice(0, ERROR_CELL_LENGTH)}…`
    })),
    counts: list.counts.map((count) => ({
      ...count,
      label: countLabel(count),
      href: withParams({ status: count.status }),
      current: filter.status === count.status
    })),
    allStatusesHref: withParams({ status: undefined }),
    nextHref: list.nextCursor === null ? null : withParams({ after: list.nextCursor }),
    firstHref: query.after === undefined ? null : withParams({}),
    bulkActions: bulkActionsFor(admin, filter),
    // A limited account picks among its tenants; an unlimited one types a name (there may be many).
    tenantChoices: admin.tenants,
    options: {
      status: itemStatuses,
      operation: operations,
      priority: Object.keys(priorityRanks),
      kind: errorKinds,
      code: failureCodes,
      limit: [25, PAGE_SIZE.default, 100, PAGE_SIZE.max]
    }
  }
}
