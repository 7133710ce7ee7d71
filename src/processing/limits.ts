import assert from 'node:assert/strict'
import type { ProcessingLimits } from './types.js'

export const defaultProcessingLimits: ProcessingLimits = Object.freeze({
  timeoutMs: 30_000,
  maxMemoryMb: 512,
  maxPages: 2000,
  maxCharacters: 5_000_000,
  maxZipEntries: 5000,
  maxUncompressedBytes: 200 * 1024 * 1024
})

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
