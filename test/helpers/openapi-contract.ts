import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsPlugin from 'ajv-formats'
import type { LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { errorCatalogue, type ErrorCode } from '../../src/errors.js'

type Schema = Record<string, unknown>
interface Header { schema: Schema, required?: boolean }
interface Response { content?: Record<string, { schema: Schema }>, headers?: Record<string, Header> }
interface Operation { operationId: string, responses: Record<string, Response> }
interface Document { paths: Record<string, Record<string, Operation>> }

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default

function createAjv (options: { coerceTypes: boolean }): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: options.coerceTypes })
  addFormats(ajv)
  // An OpenAPI format for bytes; any string body is acceptable as bytes.
  ajv.addFormat('binary', true)
  return ajv
}

/** Where an answer was found to break the spec, for the test's message. */
function describe (validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ')
}

/**
 * Checks real HTTP answers against an OpenAPI document: the status is documented for the
 * operation, the content type is one of those documented, the body validates against the
 * documented schema, and every required header is there and valid. It also records which
 * operations were seen answering, so a test can prove that it drove every one.
 */
export class ContractChecker {
  readonly #operations = new Map<string, { method: string, path: RegExp, operation: Operation }>()
  readonly #bodies = createAjv({ coerceTypes: false })
  // Header values are text on the wire: `Retry-After: 60` is an integer header.
  readonly #headers = createAjv({ coerceTypes: true })
  readonly #compiled = new Map<Schema, ValidateFunction>()
  readonly seen = new Map<string, Set<number>>()

  constructor (spec: unknown) {
    for (const [path, item] of Object.entries((spec as Document).paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/?]+')}(\\?.*)?$`)
        this.#operations.set(operation.operationId, { method: method.toUpperCase(), path: pattern, operation })
      }
    }
  }

  /** Every operationId in the document. */
  get operationIds (): string[] {
    return [...this.#operations.keys()]
  }

  #validator (ajv: Ajv, schema: Schema): ValidateFunction {
    let validate = this.#compiled.get(schema)
    if (validate === undefined) {
      validate = ajv.compile(schema)
      this.#compiled.set(schema, validate)
    }
    return validate
  }

  /** Asserts on `t` that `response`, the answer to `method url`, is what `operationId` documents. */
  check (t: Test, operationId: string, method: string, url: string, response: LightMyRequestResponse): void {
    const entry = this.#operations.get(operationId)
    if (entry === undefined) {
      t.fail(`${operationId} is not in the OpenAPI document`)
      return
    }
    const label = `${operationId} ${response.statusCode}`
    t.ok(entry.method === method && entry.path.test(url), `${label}: ${method} ${url} is this operation`)
    const documented = entry.operation.responses[String(response.statusCode)]
    if (documented === undefined) {
      t.fail(`${label}: status ${response.statusCode} is not documented (body ${response.body.slice(0, 200)})`)
      return
    }
    this.seen.set(operationId, (this.seen.get(operationId) ?? new Set()).add(response.statusCode))

    const contentType = response.headers['content-type']
    if (documented.content === undefined) {
      t.equal(response.body, '', `${label}: no body, as documented`)
    } else {
      const mediaType = String(contentType ?? '').split(';')[0].trim()
      const key = mediaType in documented.content ? mediaType : '*/*' in documented.content ? '*/*' : undefined
      if (key === undefined) {
        t.fail(`${label}: content type ${mediaType} is not documented (${Object.keys(documented.content).join(', ')})`)
      } else {
        const body: unknown = mediaType === 'application/json' ? response.json() : response.body
        const validate = this.#validator(this.#bodies, documented.content[key].schema)
        t.ok(validate(body), `${label}: the ${mediaType} body matches the schema ${describe(validate)}`)
        const code = (body as { code?: unknown } | null)?.code
        if (response.statusCode >= 400 && typeof code === 'string') {
          t.equal(errorCatalogue[code as ErrorCode], response.statusCode, `${label}: ${code} is a catalogue code of this status`)
        }
      }
    }

    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      const value = response.headers[name]
      if (value === undefined) {
        t.notOk(header.required, `${label}: header ${name} may be absent`)
        continue
      }
      const validate = this.#validator(this.#headers, { type: 'object', properties: { value: header.schema } })
      t.ok(validate({ value }), `${label}: header ${name}: ${String(value)} matches the schema ${describe(validate)}`)
    }
  }
}
