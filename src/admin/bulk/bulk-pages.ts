import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { NoQuery } from '../../routes/schemas.js'
import { BULK_STATUS } from '../../states.js'
import { hasRole } from '../admin-identity.js'
import { renderPage } from '../render-page.js'
import { requireAdmin } from '../require-admin.js'
import type { BulkActionRecord } from './bulk-action-record.js'
import type { BulkActions } from './bulk-actions.js'
import { signedIn } from './bulk-api-routes.js'
import { BulkActionParams } from './bulk-json.js'
import { bulkRequestOfFields } from './bulk-request.js'
import { backLink, dryRunSentence, formatCount, targetFields, targetWords } from './bulk-words.js'

export interface BulkPagesOptions {
  bulk: BulkActions
}

// A page's query or form: every field a string, or a list of them for a repeated `id`.
const Fields = Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 1000 }), Type.Array(Type.String({ maxLength: 100 }), { maxItems: 1000 })]))

/** What the progress view shows of an action. */
function progressModel (request: FastifyRequest, record: BulkActionRecord): Record<string, unknown> {
  const admin = signedIn(request)
  const ongoing = record.status === BULK_STATUS.queued || record.status === BULK_STATUS.running
  return {
    bulk: record,
    counts: { total: formatCount(record.total), done: formatCount(record.done), affected: formatCount(record.affected) },
    // A bar's value cannot pass its max: documents uploaded meanwhile are not counted in total,
    // but a selected list or a filter can shrink while the action waits.
    bar: { max: Math.max(record.total, 1), value: Math.min(record.done, Math.max(record.total, 1)) },
    ongoing,
    canCancel: ongoing && hasRole(admin, 'operator'),
    fragmentUrl: `/admin/fragments/bulk/${record.id}`
  }
}

async function renderProgress (request: FastifyRequest, reply: FastifyReply, template: string, record: BulkActionRecord): Promise<FastifyReply> {
  return await renderPage(request, reply, template, {
    title: `Bulk ${record.action}`,
    nav: 'bulk',
    styles: ['bulk.css'],
    words: targetWords(record.target),
    ...progressModel(request, record)
  })
}

/**
 * The bulk action pages: the list, the confirmation with the dry run's count, creation (a form
 * POST answered 303 to the progress page), progress (with a fragment that live refresh reloads)
 * and cancellation. Every one works without JavaScript.
 */
export const bulkPages: FastifyPluginAsyncTypebox<BulkPagesOptions> = async (app, { bulk }) => {
  app.get('/admin/bulk', { preHandler: requireAdmin('viewer'), schema: { hide: true, querystring: NoQuery } }, async (request, reply) => {
    const actions = await bulk.list(signedIn(request))
    return await renderPage(request, reply, 'bulk-list', { title: 'Bulk actions', nav: 'bulk', styles: ['bulk.css'], actions, formatCount })
  })

  app.get('/admin/bulk/new', { preHandler: requireAdmin('viewer'), schema: { hide: true, querystring: Fields } }, async (request, reply) => {
    const asked = bulkRequestOfFields(request.query)
    const { target, total } = await bulk.dryRun(signedIn(request), asked)
    return await renderPage(request, reply, 'bulk-new', {
      title: 'Confirm bulk action',
      nav: 'bulk',
      styles: ['bulk.css'],
      action: asked.action,
      sentence: dryRunSentence(asked.action, target, total),
      words: targetWords(target),
      selected: target.kind === 'selected' ? target.documentIds : [],
      fields: targetFields(target),
      back: backLink(target),
      total
    })
  })

  app.post('/admin/bulk', { preHandler: requireAdmin('viewer'), schema: { hide: true, querystring: NoQuery, body: Fields } }, async (request, reply) => {
    const { reason, _csrf: _token, ...fields } = request.body
    const text = typeof reason === 'string' ? reason.trim() : ''
    const record = await bulk.create({ admin: signedIn(request), address: request.ip }, bulkRequestOfFields(fields), text === '' ? null : text)
    return await reply.redirect(`/admin/bulk/${record.id}`, 303)
  })

  app.get('/admin/bulk/:id', { preHandler: requireAdmin('viewer'), schema: { hide: true, params: BulkActionParams, querystring: NoQuery } }, async (request, reply) =>
    await renderProgress(request, reply, 'bulk-show', await bulk.get(signedIn(request), request.params.id)))

  app.get('/admin/fragments/bulk/:id', { preHandler: requireAdmin('viewer'), schema: { hide: true, params: BulkActionParams, querystring: NoQuery } }, async (request, reply) =>
    await renderProgress(request, reply, 'bulk-progress', await bulk.get(signedIn(request), request.params.id)))

  app.post('/admin/bulk/:id/cancel', { preHandler: requireAdmin('operator'), schema: { hide: true, params: BulkActionParams, querystring: NoQuery } }, async (request, reply) => {
    await bulk.cancel({ admin: signedIn(request), address: request.ip }, request.params.id)
    return await reply.redirect(`/admin/bulk/${request.params.id}`, 303)
  })
}
