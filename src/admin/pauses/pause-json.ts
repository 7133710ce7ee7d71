import { Type, type Static } from 'typebox'
import type { QueuePause } from '../../queue/sql/pauses.js'

export const PauseJson = Type.Object({
  tenant: Type.Union([Type.String(), Type.Null()], { description: 'The tenant paused; null for every tenant' }),
  pausedAt: Type.String({ format: 'date-time' }),
  pausedBy: Type.String({ description: 'The admin account that paused it' }),
  reason: Type.Union([Type.String(), Type.Null()])
})
export type PauseJsonType = Static<typeof PauseJson>

export function toPauseJson (pause: QueuePause): PauseJsonType {
  return { tenant: pause.tenant, pausedAt: pause.pausedAt.toISOString(), pausedBy: pause.pausedBy, reason: pause.reason }
}
