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
