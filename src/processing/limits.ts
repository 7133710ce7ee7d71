import assert from 'node:assert/strict'
import { ProcessingError } from './processing-error.js'
import type { ProcessingLimits } from './types.js'

const mib = 1024 * 1024

export const defaultProcessingLimits: ProcessingLimits = Object.freeze({
  timeoutMs: 30_000,
  maxMemoryMb: 512,
  maxPages: 2000,
  maxCharacters: 5_000_000,
  maxZipEntries: 5000,
  // The streaming DOCX reader holds a part and its text: about 7 MB of memory per MB of
  // document.xml (measured at 8 MB), before the pipeline's own work on the text.
  maxPartBytes: 8 * mib,
  maxUncompressedBytes: 16 * mib
})

/**
 * The setting that raises each limit and the unit of its value. Failure messages name both,
 * so that a client reading `lastError` knows which limit it met and an operator knows what
 * to change.
 */
const limitSettings: Record<keyof ProcessingLimits, { setting: string, unit: string }> = {
  timeoutMs: { setting: 'PROCESSING_TIMEOUT_MS', unit: 'ms' },
  maxMemoryMb: { setting: 'PROCESSING_MAX_MEMORY_MB', unit: 'MB' },
  maxPages: { setting: 'PROCESSING_MAX_PAGES', unit: 'pages' },
  maxCharacters: { setting: 'PROCESSING_MAX_CHARACTERS', unit: 'characters' },
  maxZipEntries: { setting: 'DOCX_MAX_ENTRIES', unit: 'entries' },
  maxPartBytes: { setting: 'DOCX_MAX_PART_BYTES', unit: 'bytes' },
  maxUncompressedBytes: { setting: 'DOCX_MAX_UNCOMPRESSED_BYTES', unit: 'bytes' }
}

/** Formats a count the way the failure messages show it: `5,000,000`. */
export function formatCount (value: number): string {
  return value.toLocaleString('en-US')
}

/** The limit as a client reads it: `PROCESSING_MAX_CHARACTERS (5,000,000 characters)`. */
export function describeLimit (limits: ProcessingLimits, key: keyof ProcessingLimits): string {
  const { setting, unit } = limitSettings[key]
  return `${setting} (${formatCount(limits[key])} ${unit})`
}

/**
 * A permanent `limit_exceeded` failure whose message is `subject`, the word `more than`
 * and the limit described: `the PDF has 14 pages, more than PROCESSING_MAX_PAGES (10 pages)`.
 */
export function limitExceeded (limits: ProcessingLimits, key: keyof ProcessingLimits, subject: string): ProcessingError {
  return new ProcessingError('limit_exceeded', `${subject}, more than ${describeLimit(limits, key)}`)
}

/** The permanent `timeout` failure of a job that ran longer than `limits.timeoutMs`. */
export function timedOut (limits: ProcessingLimits): ProcessingError {
  return new ProcessingError('timeout', `processing took longer than ${describeLimit(limits, 'timeoutMs')}`)
}

/** Merges `overrides` over the defaults and checks every value is a positive integer. */
export function resolveLimits (overrides: Partial<ProcessingLimits> = {}): ProcessingLimits {
  const limits: ProcessingLimits = { ...defaultProcessingLimits }
  for (const key of Object.keys(defaultProcessingLimits) as Array<keyof ProcessingLimits>) {
    const value = overrides[key]
    if (value === undefined) continue
    assert.ok(Number.isSafeInteger(value) && value > 0,
      `processing limit ${key} must be a positive integer, got ${String(value)}`)
    limits[key] = value
  }
  return limits
}
