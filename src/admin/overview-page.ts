import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ADMIN_ROLE } from '../states.js'
import { hasRole } from './admin-identity.js'
import { loadOverview, type OverviewDeps } from './overview/load-overview.js'
import { seriesChart } from './overview/series-chart.js'
import { renderPage } from './render-page.js'
import { requireAdmin } from './require-admin.js'
import { signedInAdmin } from './signed-in-admin.js'

export interface OverviewPageOptions {
  overview: OverviewDeps
}

// `done` names the overview form's action after its redirect back here, with a re-dispatch's count.
const OverviewQuery = Type.Object({
  done: Type.Optional(Type.Enum(['pause', 'resume', 'redispatch'])),
  redispatched: Type.Optional(Type.Integer({ minimum: 0 }))
}, { additionalProperties: false })

/**
 * `GET /admin`: the overview page over the account's tenants, rendered from the same model as
 * `GET /admin/api/overview`.
 */
export const overviewPage: FastifyPluginAsyncTypebox<OverviewPageOptions> = async (app, { overview }) => {
  app.get('/admin', { preHandler: requireAdmin('viewer'), schema: { hide: true, querystring: OverviewQuery } }, async (request, reply) => {
    const admin = signedInAdmin(request)
    const tenants = admin.tenants
    const model = await loadOverview(overview, { tenants })
    const charts = { perMinute: seriesChart(model.throughput.perMinute), perHour: seriesChart(model.throughput.perHour) }
    return await renderPage(request, reply, 'overview', {
      title: 'Overview', nav: 'overview', styles: ['actions.css'], tenants, overview: model, charts, canPause: hasRole(admin, ADMIN_ROLE.operator), done: request.query.done ?? null, redispatched: request.query.redispatched ?? 0
    })
  })
}
