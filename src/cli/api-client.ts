import { CommandFailure } from '../bin/entry-point.js'
import { EXIT } from './exit-codes.js'

/** An error answer of the API, `{ statusCode, code, message }`: a failure of one request, not of the command. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor (readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

export interface ApiAnswer {
  status: number
  body: unknown
}

/** Why `fetch` could not talk to the server at all, e.g. ECONNREFUSED. */
function networkReason (error: unknown): string {
  const cause = (error as { cause?: { code?: string, message?: string } }).cause
  return cause?.code ?? cause?.message ?? (error as Error).message
}

/**
 * The docqueue HTTP API as the CLI uses it. A server that cannot be reached, or that refuses
 * the key, stops the whole command (exit 3); any other error answer is an ApiError for the
 * command to count against the document concerned.
 */
export class ApiClient {
  readonly #base: URL
  readonly #key: string

  constructor (base: URL, key: string) {
    this.#base = base
    this.#key = key
  }

  /** The answer to one request, with the key; `path` is relative to the API's base URL. */
  async send (method: string, path: string, init: { body?: FormData | string, headers?: Record<string, string>, signal?: AbortSignal } = {}): Promise<Response> {
    const url = new URL(path.replace(/^\//, ''), this.#base)
    let response: Response
    try {
      response = await fetch(url, {
        method,
        body: init.body,
        signal: init.signal,
        headers: { authorization: `Bearer ${this.#key}`, ...init.headers }
      })
    } catch (error) {
      if (init.signal?.aborted === true) throw error
      throw new CommandFailure(`docqueue: cannot reach the API at ${this.#base.href}: ${networkReason(error)}. Is it running there? Set --url or DOCQUEUE_URL.`, EXIT.unreachable)
    }
    if (response.status === 401) {
      const { code } = await errorOf(response)
      throw new CommandFailure(`docqueue: the API refused the key (${code}). Set --key or DOCQUEUE_API_KEY to a key of your tenant (npm run keys -- create --tenant NAME).`, EXIT.unreachable)
    }
    if (!response.ok) throw await errorOf(response)
    return response
  }

  /** The JSON body of a successful answer. */
  async json (method: string, path: string, init: { body?: FormData | string, headers?: Record<string, string> } = {}): Promise<unknown> {
    const response = await this.send(method, path, init)
    return response.status === 204 ? null : await response.json()
  }
}

async function errorOf (response: Response): Promise<ApiError> {
  const text = await response.text()
  try {
    const body = JSON.parse(text) as { code?: unknown, message?: unknown }
    if (typeof body.code === 'string') return new ApiError(response.status, body.code, String(body.message ?? ''))
  } catch {}
  return new ApiError(response.status, `HTTP_${response.status}`, text.slice(0, 200))
}
