/**
 * The naive pipeline the bench measures docqueue against: one insert of the bytes and one
 * BullMQ add per upload; per job, a BullMQ worker indexes the document as a simple app would
 * (decode the UTF-8 text, cut it into passages, one English tsvector each, mark it done). No
 * queue-item table, no hashing, no type sniffing, no auth, no batching, no leases, no history.
 * Shared by naive-app.ts and naive-worker.ts.
 */

/** The BullMQ queue of the naive pipeline (under the bench's own prefix). */
export const NAIVE_QUEUE_NAME = 'naive-documents'

/**
 * The naive pipeline's tables, created by the naive app at start: the documents and their
 * passages, with a GIN index on the passages' tsvector as docqueue has (its upkeep is part of
 * what indexing costs).
 */
export const NAIVE_TABLE_DDL = `
  create table if not exists naive_documents (
    id bigserial primary key,
    filename text not null,
    bytes bytea not null,
    status text not null default 'pending',
    created_at timestamptz not null default now(),
    processed_at timestamptz
  );
  create table if not exists naive_passages (
    document_id bigint not null references naive_documents (id) on delete cascade,
    ordinal int not null,
    text text not null,
    tsv tsvector not null,
    primary key (document_id, ordinal)
  );
  create index if not exists naive_passages_tsv_idx on naive_passages using gin (tsv)`

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
