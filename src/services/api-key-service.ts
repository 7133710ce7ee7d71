import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { anyApiKeyExists, findActiveApiKey, insertApiKey, listApiKeys, revokeApiKey } from '../db/api-keys.js'
import type { Pool } from '../db/pool.js'

const KEY_PATTERN = /^dq_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/
// Keys are checked on every request; a short cache spares Postgres a lookup each time.
// A revoked key can therefore keep working for up to this long in a running API.
const CACHE_TTL_MS = 30_000
const CACHE_MAX_ENTRIES = 10_000

function hashSecret (secret: string): Buffer {
  return createHash('sha256').update(secret).digest()
}

export interface CreatedKey { id: string, tenant: string, key: string }

/** Creates, verifies and revokes API keys. A key is `dq_<id>_<secret>`; only the secret's hash is stored. */
export class ApiKeyService {
  readonly #pool: Pool
  readonly #cache = new Map<string, { tenant: string, expiresAt: number }>()

  constructor (pool: Pool) {
    this.#pool = pool
  }

  /** Creates a key for `tenant`. The returned `key` is shown once and cannot be recovered. */
  async create (tenant: string): Promise<CreatedKey> {
    const id = randomBytes(8).toString('hex')
    const secret = randomBytes(32).toString('base64url')
    await insertApiKey(this.#pool, { id, tenant, secretHash: hashSecret(secret) })
    return { id, tenant, key: `dq_${id}_${secret}` }
  }

  /** Creates the first key for tenant `default` when the database has none; undefined otherwise. */
  async createBootstrapKey (): Promise<CreatedKey | undefined> {
    if (await anyApiKeyExists(this.#pool)) return undefined
    return await this.create('default')
  }

  /** The tenant a presented key belongs to, or undefined when it is malformed, unknown or revoked. */
  async authenticate (presented: string): Promise<string | undefined> {
    const match = KEY_PATTERN.exec(presented)
    if (match === null) return undefined
    const cacheKey = hashSecret(presented).toString('base64')
    const cached = this.#cache.get(cacheKey)
    if (cached !== undefined && cached.expiresAt > Date.now()) return cached.tenant

    const [, id, secret] = match
    const row = await findActiveApiKey(this.#pool, id)
    if (row === undefined || !timingSafeEqual(row.secretHash, hashSecret(secret))) return undefined
    if (this.#cache.size >= CACHE_MAX_ENTRIES) this.#cache.clear()
    this.#cache.set(cacheKey, { tenant: row.tenant, expiresAt: Date.now() + CACHE_TTL_MS })
    return row.tenant
  }

  /** Revokes a key by id; false when there is no active key with that id. */
  async revoke (id: string): Promise<boolean> {
    return await revokeApiKey(this.#pool, id)
  }

  /** The active keys (ids and tenants, never secrets). */
  async list (): Promise<Array<{ id: string, tenant: string, createdAt: Date }>> {
    return await listApiKeys(this.#pool)
  }
}
