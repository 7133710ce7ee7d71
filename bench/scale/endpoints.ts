import type { Pool } from '../../src/db/pool.js'
import { encodeCursor } from '../../src/services/list-cursor.js'
import { MAIN_TENANT, OTHER_TENANTS, RARE_NAME } from './load-documents.js'
import { COMMON_TERM, RARE_TERM } from './passage-templates.js'

/** A GET the scale bench times: with the API key of the main tenant, or an admin session. */
export interface Endpoint {
  name: string
  as: 'api' | 'admin'
  url: string
}

/** A list position `fraction` of the way down a newest-first list (0.9: near its end). */
async function deepCursor (pool: Pool, tenant: string | null, fraction: number): Promise<string> {
  const { rows: [position] } = await pool.query<{ createdAt: string, id: string }>(`
    select created_at::text as "createdAt", id from documents where $1::text is null or tenant = $1
     order by created_at desc, id desc
    offset (select floor(count(*) * $2::float8)::bigint from documents where $1::text is null or tenant = $1) limit 1`, [tenant, fraction])
  return encodeURIComponent(encodeCursor(position))
}

/**
 * Every page and JSON endpoint the bench times, with the ids, groups and cursors of the data
 * loaded so far (a deep cursor is 90% down its list; the detail page shows a failed document
 * from the middle of the list).
 */
export async function endpoints (pool: Pool): Promise<Endpoint[]> {
  const { rows: [failed] } = await pool.query<{ id: string }>(`
    select id from documents where status = 'failed' and tenant = $1
     order by created_at desc, id desc offset (select count(*) / 2 from documents where status = 'failed' and tenant = $1) limit 1`, [MAIN_TENANT])
  const { rows: [group] } = await pool.query<{ group: string }>(`
    select error_group as group from queue_items where error_group is not null group by 1 order by count(*) desc limit 1`)
  const apiDeep = await deepCursor(pool, MAIN_TENANT, 0.9)
  const adminDeep = await deepCursor(pool, null, 0.9)
  const groupParam = encodeURIComponent(group.group)
  return [
    { name: 'GET /queue/stats', as: 'api', url: '/queue/stats' },
    { name: 'GET /documents (first page)', as: 'api', url: '/documents?limit=20' },
    { name: 'GET /documents?status=failed', as: 'api', url: '/documents?limit=20&status=failed' },
    { name: 'GET /documents?status=pending', as: 'api', url: '/documents?limit=20&status=pending' },
    { name: 'GET /documents, cursor 90% deep', as: 'api', url: `/documents?limit=20&cursor=${apiDeep}` },
    { name: 'GET /search (rare term)', as: 'api', url: `/search?q=${RARE_TERM}` },
    { name: 'GET /search (common term)', as: 'api', url: `/search?q=${COMMON_TERM}` },
    { name: 'admin overview page', as: 'admin', url: '/admin' },
    { name: 'admin overview JSON', as: 'admin', url: '/admin/api/overview' },
    { name: 'admin overview live fragment', as: 'admin', url: '/admin/fragments/overview' },
    { name: 'admin documents page', as: 'admin', url: '/admin/documents' },
    { name: 'admin documents JSON', as: 'admin', url: '/admin/api/documents' },
    { name: 'admin documents, cursor 90% deep', as: 'admin', url: `/admin/api/documents?after=${adminDeep}` },
    { name: 'admin documents, status=failed', as: 'admin', url: '/admin/api/documents?status=failed' },
    { name: 'admin documents, status=in_progress', as: 'admin', url: '/admin/api/documents?status=in_progress' },
    { name: `admin documents, tenant=${OTHER_TENANTS[0]}`, as: 'admin', url: `/admin/api/documents?tenant=${OTHER_TENANTS[0]}` },
    { name: 'admin documents, error group', as: 'admin', url: `/admin/api/documents?group=${groupParam}` },
    { name: 'admin documents, code=encrypted', as: 'admin', url: '/admin/api/documents?code=encrypted' },
    { name: 'admin documents, operation=reprocess', as: 'admin', url: '/admin/api/documents?operation=reprocess' },
    { name: 'admin documents, priority=high', as: 'admin', url: '/admin/api/documents?priority=high' },
    { name: 'admin documents, q rare', as: 'admin', url: `/admin/api/documents?q=${RARE_NAME}` },
    { name: 'admin documents, q common', as: 'admin', url: '/admin/api/documents?q=invoice' },
    { name: 'admin documents, q in error texts', as: 'admin', url: '/admin/api/documents?q=glyph' },
    { name: 'admin documents, status=failed&code=corrupt', as: 'admin', url: '/admin/api/documents?status=failed&code=corrupt' },
    { name: `admin documents, tenant=${OTHER_TENANTS[0]}&operation=reprocess`, as: 'admin', url: `/admin/api/documents?tenant=${OTHER_TENANTS[0]}&operation=reprocess` },
    { name: 'admin documents page, q common', as: 'admin', url: '/admin/documents?q=invoice' },
    { name: 'admin document detail page', as: 'admin', url: `/admin/documents/${failed.id}` },
    { name: 'admin document detail JSON', as: 'admin', url: `/admin/api/documents/${failed.id}` },
    { name: 'admin failures page', as: 'admin', url: '/admin/failures' },
    { name: 'admin failures JSON', as: 'admin', url: '/admin/api/failures' },
    { name: 'admin failures JSON, last 24 h', as: 'admin', url: '/admin/api/failures?window=24h' },
    { name: 'admin audit page', as: 'admin', url: '/admin/audit' },
    { name: 'admin audit JSON', as: 'admin', url: '/admin/api/audit' },
    { name: 'admin audit JSON, action=document.retry', as: 'admin', url: '/admin/api/audit?action=document.retry' },
    { name: 'admin bulk actions page', as: 'admin', url: '/admin/bulk' },
    { name: 'admin bulk actions JSON', as: 'admin', url: '/admin/api/bulk-actions' },
    { name: 'admin retention page', as: 'admin', url: '/admin/retention' },
    { name: 'admin retention JSON', as: 'admin', url: '/admin/api/retention' },
    { name: 'admin pauses JSON', as: 'admin', url: '/admin/api/pauses' }
  ]
}
