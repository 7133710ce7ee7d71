import { Worker } from 'bullmq'
import { Redis } from 'ioredis'
import pg from 'pg'
import { NAIVE_QUEUE_NAME, naiveConfig, type NaiveJobData } from './naive-pipeline.js'

// The baseline worker: one update per job, nothing read, nothing extracted.
const config = naiveConfig(process.env)
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.concurrency })
const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null })
const worker = new Worker<NaiveJobData>(NAIVE_QUEUE_NAME, async (job) => {
  await pool.query("update naive_documents set status = 'completed', processed_at = now() where id = $1", [job.data.id])
}, { connection, prefix: config.prefix, concurrency: config.concurrency })
worker.on('error', (error) => { console.error(`naive worker: ${error.message}`) })

process.once('SIGTERM', () => {
  (async () => {
    await worker.close()
    connection.disconnect()
    await pool.end()
  })().then(() => process.exit(0), () => process.exit(1))
})
