import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Pool } from '../db/pool.js'
import { NoQuery } from '../routes/schemas.js'
import { renderPage } from './render-page.js'
import { requireAdmin } from './require-admin.js'
import { countsForScope } from './scope-counts.js'

export interface OverviewPageOptions {
  pool: Pool
}

/**
 * `GET /admin`: the overview page over the account's tenants. For now it shows the counts by
 * status; the `overview` slot of its template is where the full overview model
 * (`loadOverview` of src/admin/overview/) goes.
 */
export const overviewPage: FastifyPluginAsyncTypebox<OverviewPageOptions> = async (app, { pool }) => {
  app.get('/admin', { preHandler: requireAdmin('viewer'), schema: { hide: true, querystring: NoQuery } }, async (request, reply) => {
    const tenants = request.admin?.tenants ?? null
    const counts = await countsForScope(pool, tenants)
    return await renderPage(request, reply, 'overview', { title: 'Overview', tenants, counts, overview: null })
  })
}
