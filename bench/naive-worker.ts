import { Worker } from 'bullmq'
import { Redis } from 'ioredis'
import pg from 'pg'
import { NAIVE_QUEUE_NAME, naiveConfig, type NaiveJobData } from './naive-pipeline.js'
import { naivePassages } from './naive-passages.js'

// The anchor worker: the indexing a simple app would do for a text upload, per job: read the
// bytes, decode them as UTF-8, cut passages, insert them with one English tsvector each and
// mark the document done, in one transaction. No type detection, language, metadata, leases
// or history: what docqueue does on top of this is its overhead to justify.
const config = naiveConfig(process.env)
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.concurrency })
const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null })
const decoder = new TextDecoder('utf-8')

async function indexDocument (id: string): Promise<void> {
  const { rows } = await pool.query<{ bytes: Buffer }>('select bytes from naive_documents where id = $1', [id])
  if (rows.length === 0) return
  const passages = naivePassages(decoder.decode(rows[0].bytes))
  const client = await pool.connect()
  try {
    await client.query('begin')
    await client.query(`
      insert into naive_passages (document_id, ordinal, text, tsv)
      select $1, p.ordinal - 1, p.text, to_tsvector('english', p.text)
        from unnest($2::text[]) with ordinality as p(text, ordinal)`, [id, passages])
    await client.query("update naive_documents set status = 'completed', processed_at = now() where id = $1", [id])
    await client.query('commit')
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}

const worker = new Worker<NaiveJobData>(NAIVE_QUEUE_NAME, async (job) => { await indexDocument(job.data.id) },
  { connection, prefix: config.prefix, concurrency: config.concurrency })
worker.on('error', (error) => { console.error(`naive worker: ${error.message}`) })

process.once('SIGTERM', () => {
  (async () => {
    await worker.close()
    connection.disconnect()
    await pool.end()
  })().then(() => process.exit(0), () => process.exit(1))
})
