import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Redis } from 'ioredis'
import { pino } from 'pino'
import { buildApp, type AppOptions } from '../app.js'

// `npm run lint:spec` (through `node --import tsx src/cli/write-openapi.ts FILE`): writes the
// OpenAPI document of the real app to FILE, without a database or Redis. Routes only keep their
// services for later requests, and none is made here, so the services are empty stand-ins.
const output = process.argv[2]
if (output === undefined) {
  console.error('usage: write-openapi.ts FILE')
  process.exit(2)
}

const notServing = {} as never
const options: AppOptions = {
  logger: pino({ level: 'silent' }),
  uploadMaxBytes: 1,
  uploadBufferBudgetBytes: 1,
  rateLimitPerMinute: 0,
  redis: notServing as Redis,
  redisPrefix: 'openapi',
  cronSecret: undefined,
  documents: notServing,
  apiKeys: notServing,
  health: notServing,
  search: notServing,
  sweep: notServing
}
const app = await buildApp(options)
await app.ready()
await mkdir(dirname(output), { recursive: true })
await writeFile(output, `${JSON.stringify(app.swagger(), null, 2)}\n`)
await app.close()
console.log(`wrote ${output}`)
