import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import { AppError } from '../errors.js'
import { sameSecret } from '../lib/same-secret.js'
import { bearerToken } from './authenticate.js'
import { bodyErrors, commonErrors, errorResponse } from './schemas.js'

const count = (description: string) => Type.Integer({ minimum: 0, description })

/** What a sweep did, and when it processed nothing, what it left and why. */
const SweepResultJson = Type.Object({
  processed: count('Items this sweep claimed and ran'),
  completed: count('Of those, completed'),
  failed: count('Of those, failed for good'),
  retrying: count('Of those, failed transiently with a retry scheduled'),
  crashed: count('Poison items failed as crashed without running: their worker died on every attempt'),
  takenOver: count('Items of dead workers put back to pending, their attempt recorded as crashed'),
  due: count('Due items that no live wake-up would deliver: what this sweep tried to run'),
  waitingOnWakeups: count('Due items left to the wake-up Redis holds for them (of the limit looked at)'),
  heldByLiveWorkers: count('Items in progress under a live worker, left alone')
}, { description: 'What the pass did' })

export interface CronRoutesOptions {
  /** Unset disables the route. */
  cronSecret: string | undefined
  /** Present whenever `cronSecret` is. */
  sweep: ((limit: number) => Promise<Static<typeof SweepResultJson>>) | undefined
}

/** `/cron/process`: runs a sweep, for a scheduler outside docqueue (cron, a platform's cron jobs). */
export const cronRoutes: FastifyPluginAsyncTypebox<CronRoutesOptions> = async (app, { cronSecret, sweep }) => {
  app.post('/cron/process', {
    schema: {
      tags: ['queue'],
      summary: 'Run a sweep: process due items that no worker is handling',
      description: 'Needs `Authorization: Bearer <CRON_SECRET>`.',
      security: [{ cronSecret: [] }],
      operationId: 'runSweeper',
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }) }, { additionalProperties: false }),
      response: {
        ...commonErrors,
        ...bodyErrors,
        200: SweepResultJson,
        401: errorResponse('No cron secret sent (DOCQ_AUTH_MISSING)'),
        403: errorResponse('The cron secret is wrong, or the route is disabled (DOCQ_CRON_FORBIDDEN, DOCQ_CRON_DISABLED)'),
        503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); retry shortly')
      }
    }
  }, async (request) => {
    if (cronSecret === undefined || sweep === undefined) throw new AppError('DOCQ_CRON_DISABLED', 'the cron endpoint is disabled; set CRON_SECRET to enable it')
    const token = bearerToken(request)
    if (token === undefined) throw new AppError('DOCQ_AUTH_MISSING', 'send the cron secret as Authorization: Bearer <CRON_SECRET>')
    if (!sameSecret(token, cronSecret)) throw new AppError('DOCQ_CRON_FORBIDDEN', 'the cron secret is not valid')
    return await sweep(request.query.limit)
  })
}
