import type { AdminAction } from '../../states.js'
import { actionsAllowed } from '../actions/document-actions.js'
import type { AdminIdentity } from '../admin-identity.js'
import { filterSearchParams, type DocumentFilter } from './document-filter.js'

/** Where a bulk action is confirmed: its dry-run count, reason and confirm button. */
const BULK_NEW_PATH = '/admin/bulk/new'

export interface BulkAction {
  action: AdminAction
  label: string
  /** The confirmation page for every document the filter selects. */
  everythingHref: string
}

/**
 * The bulk actions `admin`'s role allows, each with its link for everything the filter selects.
 * Only offered, never trusted: the bulk pages check the role and the tenants again.
 */
export function bulkActionsFor (admin: AdminIdentity, filter: DocumentFilter): BulkAction[] {
  return actionsAllowed(admin).map((action) => {
    const params = new URLSearchParams({ action })
    for (const [name, value] of filterSearchParams(filter)) params.append(name, value)
    return { action, label: action[0].toUpperCase() + action.slice(1), everythingHref: `${BULK_NEW_PATH}?${params.toString()}` }
  })
}
