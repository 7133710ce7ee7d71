import { pino, type Logger } from 'pino'

/**
 * The process-wide structured logger; secrets and document bytes are never passed to it. Times
 * are ISO 8601, readable by people and log stores alike.
 */
export function createLogger (level: string, name: string): Logger {
  return pino({
    level,
    name,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' }
  })
}
