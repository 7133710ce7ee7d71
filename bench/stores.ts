import { Redis } from 'ioredis'
import pg from 'pg'

/** The database URL for `name` on the server of `serverUrl`. */
export function databaseUrl (serverUrl: string, name: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Runs one statement on a short-lived connection and returns its rows. */
export async function queryOnce<T extends pg.QueryResultRow> (connectionString: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000 })
  await client.connect()
  try {
    const { rows } = await client.query<T>(sql, values)
    return rows
  } finally {
    await client.end()
  }
}

/** The Redis server's version, from INFO. */
export async function redisVersion (redisUrl: string): Promise<string> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true })
  await redis.connect()
  try {
    const info = await redis.info('server')
    return /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown'
  } finally {
    redis.disconnect()
  }
}

/** Wake-ups waiting in a BullMQ queue (waiting or prioritized): what the API dispatched. */
export async function waitingJobs (redisUrl: string, prefix: string, queueName: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true })
  await redis.connect()
  try {
    const [waiting, prioritized] = await Promise.all([
      redis.llen(`${prefix}:${queueName}:wait`),
      redis.zcard(`${prefix}:${queueName}:prioritized`)
    ])
    return waiting + prioritized
  } finally {
    redis.disconnect()
  }
}
