import multipart from '@fastify/multipart'
import { Queue } from 'bullmq'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import pg from 'pg'
import { NAIVE_QUEUE_NAME, NAIVE_TABLE_DDL, naiveConfig, type NaiveJobData } from './naive-pipeline.js'

// The baseline upload endpoint: parse the multipart body, one insert, one BullMQ add, reply.
const config = naiveConfig(process.env)
const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 })
await pool.query(NAIVE_TABLE_DDL)
const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null })
const queue = new Queue<NaiveJobData>(NAIVE_QUEUE_NAME, { connection, prefix: config.prefix })

const app = Fastify({ logger: false })
await app.register(multipart)

app.get('/readyz', async () => ({ status: 'ready' }))

app.post('/documents', async (request, reply) => {
  const file = await request.file()
  if (file === undefined) return await reply.code(400).send({ error: 'no file part' })
  const bytes = await file.toBuffer()
  const { rows } = await pool.query<{ id: string }>(
    'insert into naive_documents (filename, bytes) values ($1, $2) returning id', [file.filename, bytes])
  const id = rows[0].id
  await queue.add('process', { id }, { removeOnComplete: true })
  return await reply.code(202).send({ id, status: 'pending' })
})

await app.listen({ port: config.port, host: '127.0.0.1' })

process.once('SIGTERM', () => {
  (async () => {
    await app.close()
    await queue.close()
    connection.disconnect()
    await pool.end()
  })().then(() => process.exit(0), () => process.exit(1))
})
