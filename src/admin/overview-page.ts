import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NoQuery } from '../routes/schemas.js'
import { loadOverview, type OverviewDeps } from './overview/load-overview.js'
import { seriesChart } from './overview/series-chart.js'
import { renderPage } from './render-page.js'
import { requireAdmin } from './require-admin.js'

export interface OverviewPageOptions {
  overview: OverviewDeps
}

/**
 * `GET /admin`: the overview page over the account's tenants, rendered from the same model as
 * `GET /admin/api/overview`.
 */
export const overviewPage: FastifyPluginAsyncTypebox<OverviewPageOptions> = async (app, { overview }) => {
  app.get('/admin', { preHandler: requireAdmin('viewer'), schema: { hide: true, querystring: NoQuery } }, async (request, reply) => {
    const tenants = request.admin?.tenants ?? null
    const model = await loadOverview(overview, { tenants })
    const charts = { perMinute: seriesChart(model.throughput.perMinute), perHour: seriesChart(model.throughput.perHour) }
    return await renderPage(request, reply, 'overview', { title: 'Overview', nav: 'overview', tenants, overview: model, charts })
  })
}
