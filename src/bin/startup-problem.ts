import type { Config } from '../config.js'

interface ErrorDetails {
  code?: string
  message: string
  port?: number
}

/** A URL without its password, fit to print. */
function redacted (url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(not a URL)'
  }
}

/** Node reports a refused connection to a name with several addresses as an AggregateError. */
function detailsOf (error: unknown): ErrorDetails {
  const first = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error
  if (typeof first !== 'object' || first === null) return { message: String(first) }
  const { code, port, message } = first as Partial<ErrorDetails>
  return { code: code ?? (error as Partial<ErrorDetails>).code, port, message: message ?? String(first) }
}

function portOf (url: string, fallback: number): number {
  try {
    const { port } = new URL(url)
    return port === '' ? fallback : Number(port)
  } catch {
    return fallback
  }
}

function databaseNameOf (url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1))
  } catch {
    return '?'
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'])

/**
 * One line for an error that stopped a command: for the usual first-run problems (Postgres or
 * Redis not answering, a database or user that does not exist) it says which setting to check;
 * anything else keeps its own message.
 */
export function describeStartupProblem (error: unknown, config: Config | undefined): string {
  const details = detailsOf(error)
  if (config === undefined) return `docqueue: ${details.message}`
  const database = `DATABASE_URL=${redacted(config.DATABASE_URL)}`
  if (details.code !== undefined && UNREACHABLE.has(details.code)) {
    const store = details.port === portOf(config.REDIS_URL, 6379) && details.port !== portOf(config.DATABASE_URL, 5432)
      ? `Redis (REDIS_URL=${redacted(config.REDIS_URL)})`
      : `PostgreSQL (${database})`
    return `docqueue: cannot reach ${store}: ${details.code}. Is it running there? Set the URL in the environment or in .env.`
  }
  if (details.message.includes('connection timeout')) {
    return `docqueue: PostgreSQL did not answer in time (${database}). Is it running there, and is the address right?`
  }
  switch (details.code) {
    case '3D000':
      return `docqueue: database "${databaseNameOf(config.DATABASE_URL)}" does not exist (${database}). Check the name, or create it with \`npm run migrate\`.`
    case '28P01':
    case '28000':
      return `docqueue: PostgreSQL refused the login (${database}): ${details.message}. Check the user and password in DATABASE_URL.`
  }
  if (details.message.includes('no PostgreSQL user name')) {
    return `docqueue: DATABASE_URL names no user (${database}). Write it as postgres://USER@HOST:PORT/DATABASE.`
  }
  return `docqueue: ${details.message}`
}
