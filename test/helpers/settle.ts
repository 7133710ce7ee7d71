import type { Test } from 'tap'
import { ProcessingError, type ProcessedDocument } from '../../src/processing/index.js'

/** The processed document, or the ProcessingError it failed with (any other error is rethrown). */
export async function settle (promise: Promise<ProcessedDocument>): Promise<ProcessedDocument | ProcessingError> {
  try {
    return await promise
  } catch (err) {
    if (err instanceof ProcessingError) return err
    throw err
  }
}

/** Asserts that `result` is a permanent ProcessingError with `expected` code and message. */
export function expectFailure (t: Test, result: ProcessedDocument | ProcessingError, expected: { code: string, message: string | RegExp }): void {
  t.type(result, ProcessingError)
  t.equal((result as ProcessingError).code, expected.code)
  t.equal((result as ProcessingError).permanent, true)
  t.match((result as ProcessingError).message, expected.message)
}
