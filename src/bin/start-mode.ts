import type { Config } from '../config.js'
import { portAnswers } from '../lib/port-answers.js'

export type StartMode = 'embedded' | 'servers'

const PROBE_TIMEOUT_MS = 1_000

/**
 * Whether `npm start` runs embedded or on PostgreSQL and Redis. DOCQUEUE_EMBEDDED `on`/`off`
 * decides; `auto` (the default) runs embedded only on a bare machine: neither DATABASE_URL nor
 * REDIS_URL set, and nothing answering on localhost's Postgres and Redis ports. Anything else
 * means servers were meant, and a missing one is then reported as such rather than replaced.
 */
export async function chooseStartMode (config: Config, env: Record<string, string | undefined>): Promise<StartMode> {
  const setting = config.DOCQUEUE_EMBEDDED
  if (setting === 'on' || setting === '1') return 'embedded'
  if (setting === 'off' || setting === '0') return 'servers'
  const configured = [env.DATABASE_URL, env.REDIS_URL].some((url) => url !== undefined && url !== '')
  if (configured) return 'servers'
  const answering = await Promise.all([portAnswers('localhost', 5432, PROBE_TIMEOUT_MS), portAnswers('localhost', 6379, PROBE_TIMEOUT_MS)])
  return answering.includes(true) ? 'servers' : 'embedded'
}
