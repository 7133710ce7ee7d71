import { STATUS_CODES } from 'node:http'
import type { ErrorCode } from '../errors.js'

/** The body of every error answer (`ErrorJson` in the OpenAPI document). */
export interface ErrorBody {
  statusCode: number
  code: ErrorCode
  error: string
  message: string
}

export function errorBody (code: ErrorCode, statusCode: number, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
}
