import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Redis } from 'ioredis'
import { pino } from 'pino'
import { buildApp, type AppOptions } from '../app.js'
import { loadConfig } from '../config.js'
import { appSettings } from '../api-process.js'

// `npm run lint:spec` (through `node --import tsx src/bin/write-openapi.ts FILE`): writes the
// OpenAPI document of the real app to FILE, without a database or Redis. Routes only keep their
// services for later requests, and none is made here, so the services are empty stand-ins.
const output = process.argv[2]
if (output === undefined) {
  console.error('usage: write-openapi.ts FILE')
  process.exit(2)
}

const notServing = {} as never
const options: AppOptions = {
  // The rate limiter would define its Redis script at registration; its 429 is documented either way.
  ...appSettings(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' })),
  logger: pino({ level: 'silent' }),
  redis: notServing as Redis,
  pool: notServing,
  overview: notServing,
  documents: notServing,
  apiKeys: notServing,
  health: notServing,
  search: notServing,
  events: notServing,
  webhooks: notServing,
  sweep: notServing,
  metrics: notServing
}
const app = await buildApp(options)
await app.ready()
await mkdir(dirname(output), { recursive: true })
await writeFile(output, `${JSON.stringify(app.swagger(), null, 2)}\n`)
await app.close()
console.log(`wrote ${output}`)
