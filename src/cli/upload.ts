import { openAsBlob } from 'node:fs'
import { basename } from 'node:path'
import { CommandFailure } from '../bin/entry-point.js'
import { mapConcurrently } from '../lib/map-concurrently.js'
import { ApiError, type ApiClient } from './api-client.js'
import { EXIT } from './exit-codes.js'
import { createProgress } from './progress.js'
import { formatTable } from './table.js'
import type { UploadFile } from './upload-files.js'

export interface UploadResult {
  file: string
  id: string | null
  status: string | null
  error: { code: string, message: string } | null
}

export interface UploadOptions {
  priority: string | undefined
  concurrency: number
  json: boolean
}

async function uploadOne (client: ApiClient, file: UploadFile, priority: string | undefined): Promise<UploadResult> {
  const form = new FormData()
  if (priority !== undefined) form.append('priority', priority)
  // A Blob backed by the file: fetch streams it from disk instead of holding the file in memory.
  form.append('file', await openAsBlob(file.path), basename(file.path))
  try {
    const document = await client.json('POST', '/documents', { body: form }) as { id: string, status: string }
    return { file: file.path, id: document.id, status: document.status, error: null }
  } catch (error) {
    if (!(error instanceof ApiError)) throw error
    return { file: file.path, id: null, status: null, error: { code: error.code, message: error.message } }
  }
}

/** A file not uploaded because the command stopped (the reason is printed once, after the summary). */
function notSent (file: UploadFile): UploadResult {
  return { file: file.path, id: null, status: null, error: { code: 'NOT_SENT', message: 'the upload stopped' } }
}

function describe (result: UploadResult): string {
  return result.error === null ? `${result.status ?? ''}` : `error ${result.error.code}: ${result.error.message}`
}

/**
 * `docqueue upload`: sends the files at most `concurrency` at a time, with progress on standard
 * error, then the summary (a table, or JSON) on standard output. A refused upload is counted
 * and the others go on (exit 1); an unreachable server or a refused key stops new uploads, and
 * the summary still says which files were sent (exit 3).
 */
export async function upload (client: ApiClient, files: UploadFile[], options: UploadOptions): Promise<number> {
  const progress = createProgress(process.stderr, files.length, files.reduce((sum, file) => sum + file.size, 0))
  let stopped: CommandFailure | undefined
  const results = await mapConcurrently(files, options.concurrency, async (file) => {
    let result: UploadResult
    try {
      result = await uploadOne(client, file, options.priority)
    } catch (error) {
      if (!(error instanceof CommandFailure)) throw error
      stopped ??= error
      result = notSent(file)
    }
    progress.fileDone(file.size, `${result.file}: ${describe(result)}`)
    return result
  }, {
    shouldStart: () => stopped === undefined,
    skipped: notSent
  })
  progress.end()
  if (options.json) {
    console.log(JSON.stringify(results))
  } else {
    console.log(formatTable(['FILE', 'ID', 'STATUS'], results.map((result) => [result.file, result.id ?? '-', describe(result)])))
    const failed = results.filter((result) => result.error !== null).length
    console.log(`${results.length - failed} uploaded, ${failed} failed`)
  }
  if (stopped !== undefined) {
    console.error(stopped.message)
    return EXIT.unreachable
  }
  return results.some((result) => result.error !== null) ? EXIT.failed : EXIT.ok
}
