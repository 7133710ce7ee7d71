import { pino, type Logger } from 'pino'

/** The process-wide structured logger; secrets and document bytes are never passed to it. */
export function createLogger (level: string, name: string): Logger {
  return pino({
    level,
    name,
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' }
  })
}
