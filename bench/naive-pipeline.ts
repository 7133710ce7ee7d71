/**
 * The naive pipeline the bench measures docqueue against: one insert of the bytes, one
 * BullMQ add, one update by a BullMQ worker. No queue-item table, no hashing, no type
 * sniffing, no auth, no batching. Shared by naive-app.ts and naive-worker.ts.
 */

/** The BullMQ queue of the naive pipeline (under the bench's own prefix). */
export const NAIVE_QUEUE_NAME = 'naive-documents'

/** The naive pipeline's only table; created by the naive app at start. */
export const NAIVE_TABLE_DDL = `
  create table if not exists naive_documents (
    id bigserial primary key,
    filename text not null,
    bytes bytea not null,
    status text not null default 'pending',
    created_at timestamptz not null default now(),
    processed_at timestamptz
  )`

export interface NaiveJobData { id: string }

/** What both naive processes read from the environment, with the same names docqueue uses. */
export interface NaiveConfig {
  databaseUrl: string
  redisUrl: string
  prefix: string
  port: number
  concurrency: number
}

/** Reads the naive processes' settings; fails fast on a missing database URL or prefix. */
export function naiveConfig (env: Record<string, string | undefined>): NaiveConfig {
  const databaseUrl = env.DATABASE_URL
  const prefix = env.QUEUE_PREFIX
  if (databaseUrl === undefined || prefix === undefined) throw new Error('set DATABASE_URL and QUEUE_PREFIX (bench/run.ts does)')
  return {
    databaseUrl,
    redisUrl: env.REDIS_URL ?? 'redis://localhost:6379',
    prefix,
    port: Number(env.PORT ?? 3100),
    concurrency: Number(env.WORKER_CONCURRENCY ?? 4)
  }
}
