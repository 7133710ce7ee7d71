#!/usr/bin/env node
import { UsageError, runEntryPoint } from '../bin/entry-point.js'
import { priorityRanks } from '../queue/priority.js'
import { UUID_PATTERN } from '../routes/schemas.js'
import { ApiClient, ApiError } from './api-client.js'
import { reprocess } from './reprocess.js'
import { search } from './search.js'
import { stats } from './stats.js'
import { status } from './status.js'
import { upload } from './upload.js'
import { listUploadFiles } from './upload-files.js'
import { waitFor } from './wait.js'

const DEFAULT_URL = 'http://127.0.0.1:3000'

const usage = `usage: docqueue COMMAND [ARGUMENTS] [--url URL] [--key KEY] [--json]
  upload FILE|DIR...  [--priority high|normal|low] [--concurrency N]
                      upload files (a directory: every file under it), N at a time (default 4);
                      progress on stderr, then a summary table (file, id, status or error)
  status ID           a document's status, attempts and last error
  wait ID... [--timeout SECONDS]
                      wait until every document is completed or failed (follows its events)
  search QUERY [--limit N] [--offset N]
                      full-text search: "exact phrase", OR, -excluded
  reprocess ID... [--priority high|normal|low]
                      process documents again
  stats               the queue's counts for your tenant
The API is --url, else DOCQUEUE_URL, else ${DEFAULT_URL}; the key is --key, else
DOCQUEUE_API_KEY (prefer the variable: a flag shows in the process list). --json prints the
API's JSON instead of text, for scripts.
Exit codes: 0 done (every document completed), 1 some failed or were refused, 2 usage mistake,
3 the API cannot be reached or refused the key, 4 wait --timeout ran out.`

const options = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  priority: { type: 'string' },
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' }
} as const

/** Per command: how many arguments it takes, and the options beyond --url, --key and --json. */
const commands: Record<string, { args: [min: number, max: number], options: string[] }> = {
  upload: { args: [1, Infinity], options: ['priority', 'concurrency'] },
  status: { args: [1, 1], options: [] },
  wait: { args: [1, Infinity], options: ['timeout'] },
  search: { args: [1, 1], options: ['limit', 'offset'] },
  reprocess: { args: [1, Infinity], options: ['priority'] },
  stats: { args: [0, 0], options: [] }
}
const COMMON_OPTIONS = ['url', 'key', 'json', 'help']

type Values = Record<string, string | boolean | undefined>

function positiveInteger (values: Values, name: string, { min }: { min: number }): number | undefined {
  const value = values[name]
  if (value === undefined) return undefined
  const number = Number(value)
  if (!Number.isInteger(number) || number < min) throw new UsageError(`--${name} must be an integer of at least ${min}`)
  return number
}

function priorityOf (values: Values): string | undefined {
  const priority = values.priority
  if (priority === undefined || (typeof priority === 'string' && priority in priorityRanks)) return priority
  throw new UsageError(`--priority must be one of ${Object.keys(priorityRanks).join(', ')}`)
}

function documentIds (ids: string[]): string[] {
  const bad = ids.find((id) => !new RegExp(UUID_PATTERN).test(id))
  if (bad !== undefined) throw new UsageError(`not a document id: ${bad} (ids are UUIDs, as upload prints them)`)
  return ids
}

function apiClient (values: Values): ApiClient {
  const url = (values.url as string | undefined) ?? process.env.DOCQUEUE_URL ?? DEFAULT_URL
  const key = (values.key as string | undefined) ?? process.env.DOCQUEUE_API_KEY
  if (key === undefined || key === '') throw new UsageError('no API key: set DOCQUEUE_API_KEY (or pass --key)')
  let base: URL
  try {
    // A base with a trailing slash, so that an API behind a path prefix keeps its prefix.
    base = new URL(url.endsWith('/') ? url : `${url}/`)
  } catch {
    throw new UsageError(`not a URL: ${url}`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError(`the API URL must be http or https: ${url}`)
  return new ApiClient(base, key)
}

/** The command checked whole (arguments, options, settings) before anything is sent. */
async function run (name: string | undefined, args: string[], values: Values): Promise<number> {
  if (name === undefined) throw new UsageError('which command?')
  const command = commands[name]
  if (command === undefined) throw new UsageError(`unknown command: ${name}`)
  const [min, max] = command.args
  if (args.length < min) throw new UsageError(`${name}: missing argument`)
  if (args.length > max) throw new UsageError(`${name}: unexpected argument: ${args[max] ?? ''}`)
  const foreign = Object.keys(values).find((option) => !COMMON_OPTIONS.includes(option) && !command.options.includes(option))
  if (foreign !== undefined) throw new UsageError(`${name} takes no --${foreign}`)
  const json = values.json === true
  switch (name) {
    case 'upload': {
      const priority = priorityOf(values)
      const concurrency = positiveInteger(values, 'concurrency', { min: 1 }) ?? 4
      const files = await listUploadFiles(args)
      return await upload(apiClient(values), files, { priority, concurrency, json })
    }
    case 'status':
      return await status(apiClient(values), documentIds(args)[0] as string, { json })
    case 'wait': {
      const timeoutSeconds = positiveInteger(values, 'timeout', { min: 1 })
      return await waitFor(apiClient(values), documentIds(args), { timeoutSeconds, json })
    }
    case 'search': {
      const limit = positiveInteger(values, 'limit', { min: 1 })
      const offset = positiveInteger(values, 'offset', { min: 0 })
      return await search(apiClient(values), args[0] as string, { limit, offset, json })
    }
    case 'reprocess':
      return await reprocess(apiClient(values), documentIds(args), { priority: priorityOf(values), json })
    default:
      return await stats(apiClient(values), { json })
  }
}

/** An error the API answered to a single-document command (no such document, busy): exit 1, its code and message. */
function describe (error: unknown): string {
  if (error instanceof ApiError) return `docqueue: ${error.code}: ${error.message}`
  return `docqueue: ${(error as Error).message}`
}

await runEntryPoint({ usage, options, allowPositionals: true }, async ({ values, positionals }) => {
  const [name, ...args] = positionals
  process.exitCode = await run(name, args, values)
}, describe)
