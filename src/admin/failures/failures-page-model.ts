import type { AdminIdentity } from '../admin-identity.js'
import { bulkActionsFor } from '../documents/bulk-links.js'
import { filterSearchParams, type DocumentFilter } from '../documents/document-filter.js'
import { ITEM_STATUS } from '../../states.js'
import { FAILURE_GROUP_LIMIT, FAILURE_SCAN_LIMIT, FAILURE_WINDOWS, type Failures, type FailuresQueryType } from './failures-json.js'

/** How much of the sample message the table shows; the full one is on the document's page. */
const SAMPLE_CELL_LENGTH = 200

/** What the failures page template shows, worked out here so that the template only prints. */
export function failuresPageModel (failures: Failures, query: FailuresQueryType, admin: AdminIdentity) {
  return {
    query,
    scanLimit: FAILURE_SCAN_LIMIT.toLocaleString('en-US'),
    groupLimit: FAILURE_GROUP_LIMIT,
    scanned: failures.scanned,
    truncated: failures.truncated,
    moreGroups: failures.moreGroups,
    windows: Object.keys(FAILURE_WINDOWS),
    tenantChoices: admin.tenants,
    groups: failures.groups.map((group) => {
      // The list shows every document of the group, not only those the scan grouped.
      const filter: DocumentFilter = {
        status: ITEM_STATUS.failed,
        tenant: query.tenant,
        code: group.code ?? undefined,
        group: group.group ?? undefined
      }
      const message = group.sample.message
      return {
        ...group,
        listHref: `/admin/documents?${filterSearchParams(filter).toString()}`,
        retryHref: bulkActionsFor(admin, filter).find((bulk) => bulk.action === 'retry')?.everythingHref ?? null,
        sampleHref: `/admin/documents/${group.sample.documentId}`,
        samplePreview: message === null || message.length <= SAMPLE_CELL_LENGTH ? message : `${message.slice(0, SAMPLE_CELL_LENGTH)}…`
      }
    })
  }
}
