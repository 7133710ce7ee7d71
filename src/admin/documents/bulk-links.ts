import type { AdminRole } from '../../states.js'
import { hasRole, type AdminIdentity } from '../admin-identity.js'
import { filterSearchParams, type DocumentFilter } from './document-filter.js'

/** The bulk actions the list offers, and the role each needs (as the bulk pages check on the server). */
const BULK_ACTIONS: ReadonlyArray<{ action: string, label: string, role: AdminRole }> = [
  { action: 'retry', label: 'Retry', role: 'operator' },
  { action: 'reprocess', label: 'Reprocess', role: 'operator' },
  { action: 'cancel', label: 'Cancel', role: 'operator' },
  { action: 'delete', label: 'Delete', role: 'admin' }
]

/** Where a bulk action is confirmed: its dry-run count, reason and confirm button. */
const BULK_NEW_PATH = '/admin/bulk/new'

export interface BulkAction {
  action: string
  label: string
  /** The confirmation page for every document the filter selects. */
  everythingHref: string
}

/**
 * The bulk actions `admin` may start, each with its link for everything the filter selects.
 * Only offered, never trusted: the bulk pages check the role and the tenants again.
 */
export function bulkActionsFor (admin: AdminIdentity, filter: DocumentFilter): BulkAction[] {
  return BULK_ACTIONS.filter(({ role }) => hasRole(admin, role)).map(({ action, label }) => {
    const params = new URLSearchParams({ action })
    for (const [name, value] of filterSearchParams(filter)) params.append(name, value)
    return { action, label, everythingHref: `${BULK_NEW_PATH}?${params.toString()}` }
  })
}
