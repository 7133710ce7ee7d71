import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createHash, timingSafeEqual } from 'node:crypto'
import { Type } from 'typebox'
import { AppError } from '../errors.js'
import { bearerToken } from './authenticate.js'
import { bodyErrors, commonErrors, errorResponse } from './schemas.js'

export interface CronRoutesOptions {
  /** Unset disables the route. */
  cronSecret: string | undefined
  sweep: (limit: number) => Promise<{ processed: number, completed: number, failed: number, retrying: number }>
}

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** `/cron/process`: runs the sweeper, for a scheduler outside docqueue (cron, a platform's cron jobs). */
export const cronRoutes: FastifyPluginAsyncTypebox<CronRoutesOptions> = async (app, { cronSecret, sweep }) => {
  app.post('/cron/process', {
    schema: {
      tags: ['queue'],
      summary: 'Run the sweeper: process due items that no worker is handling',
      description: 'Needs `Authorization: Bearer <CRON_SECRET>`.',
      security: [{ cronSecret: [] }],
      operationId: 'runSweeper',
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }) }, { additionalProperties: false }),
      response: {
        ...commonErrors,
        ...bodyErrors,
        200: Type.Object({ processed: Type.Integer(), completed: Type.Integer(), failed: Type.Integer(), retrying: Type.Integer() }, { description: 'What the pass did' }),
        401: errorResponse('No cron secret sent (DOCQ_AUTH_MISSING)'),
        403: errorResponse('The cron secret is wrong, or the route is disabled (DOCQ_CRON_FORBIDDEN, DOCQ_CRON_DISABLED)'),
        503: errorResponse('The database is unavailable (DOCQ_DATABASE_UNAVAILABLE); retry shortly')
      }
    }
  }, async (request) => {
    if (cronSecret === undefined) throw new AppError('DOCQ_CRON_DISABLED', 'the cron endpoint is disabled; set CRON_SECRET to enable it')
    const token = bearerToken(request)
    if (token === undefined) throw new AppError('DOCQ_AUTH_MISSING', 'send the cron secret as Authorization: Bearer <CRON_SECRET>')
    // Hashing first gives equal lengths, so the comparison takes the same time for any guess.
    if (!timingSafeEqual(digest(token), digest(cronSecret))) throw new AppError('DOCQ_CRON_FORBIDDEN', 'the cron secret is not valid')
    return await sweep(request.query.limit)
  })
}
