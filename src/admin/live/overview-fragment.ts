import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Pool } from '../../db/pool.js'
import { NoQuery } from '../../routes/schemas.js'
import { loadOldestWaits } from '../overview/oldest-waits.js'
import { loadStatusCounts } from '../overview/status-counts.js'
import { requireAdmin } from '../require-admin.js'

export interface OverviewFragmentOptions {
  pool: Pool
}

/**
 * `GET /admin/fragments/overview`: the overview's counts region alone, rendered by the same
 * partial as the page, for live-update.js to swap in. Only the counts and waits are read, not
 * the charts, workers or drift, so that polling every 2 s stays cheap.
 */
export const overviewFragment: FastifyPluginAsyncTypebox<OverviewFragmentOptions> = async (app, { pool }) => {
  app.get('/admin/fragments/overview', { preHandler: requireAdmin('viewer'), schema: { hide: true, querystring: NoQuery } }, async (request, reply) => {
    const scope = { tenants: request.admin?.tenants ?? null }
    const [counts, waits] = await Promise.all([loadStatusCounts(pool, scope), loadOldestWaits(pool, scope)])
    return await reply.type('text/html; charset=utf-8').view('partials/overview-counts', { counts: counts.total, ...waits, generatedAt: new Date().toISOString() })
  })
}
