import { FAILURE_CODE } from '../states.js'

/**
 * Postgres refused a result because of its values (see isDataError): writing the same result
 * again would fail the same way, so the attempt fails for good with the code `invalid_result`.
 */
export class InvalidResultError extends Error {
  override name = 'InvalidResultError'
  readonly code = FAILURE_CODE.invalidResult
}
