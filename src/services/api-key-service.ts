import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { anyApiKeyExists, findActiveApiKey, insertApiKey, listApiKeys, revokeApiKey } from '../db/api-keys.js'
import type { Pool } from '../db/pool.js'

const KEY_PATTERN = /^dq_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/
const DEFAULT_CACHE_MS = 10_000
const CACHE_MAX_ENTRIES = 10_000

function hashSecret (secret: string): Buffer {
  return createHash('sha256').update(secret).digest()
}

interface KnownKey { tenant: string, secretHash: Buffer }

function tenantIfMatches (key: KnownKey | null, secret: string): string | null {
  return key !== null && timingSafeEqual(key.secretHash, hashSecret(secret)) ? key.tenant : null
}

export interface CreatedKey { id: string, tenant: string, key: string }

interface CachedLookup {
  /** null: no active key has this id (unknown or revoked). */
  key: KnownKey | null
  expiresAt: number
}

export interface ApiKeyServiceOptions {
  /**
   * How long a lookup by key id is cached, found or not. Keys are checked on every request and
   * fake keys must not cost a query each; the price is that a key revoked by another process
   * keeps working here for up to this long.
   */
  cacheMs?: number
}

/** Creates, verifies and revokes API keys. A key is `dq_<id>_<secret>`; only the secret's hash is stored. */
export class ApiKeyService {
  readonly #pool: Pool
  readonly #cacheMs: number
  // Found and not found apart, so that a stream of made-up ids cannot push the real keys out.
  readonly #found = new Map<string, CachedLookup>()
  readonly #notFound = new Map<string, CachedLookup>()

  constructor (pool: Pool, options: ApiKeyServiceOptions = {}) {
    this.#pool = pool
    this.#cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS
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

  /**
   * What the cache already knows about a presented key, without a query: its tenant, `null`
   * when the key is known to be invalid (malformed, unknown, revoked or a wrong secret), or
   * undefined when only the database can tell.
   */
  cachedTenant (presented: string): string | null | undefined {
    const match = KEY_PATTERN.exec(presented)
    if (match === null) return null
    const [, id, secret] = match
    const cached = this.#found.get(id) ?? this.#notFound.get(id)
    if (cached === undefined) return undefined
    if (cached.expiresAt <= Date.now()) {
      this.#forget(id)
      return undefined
    }
    return tenantIfMatches(cached.key, secret)
  }

  /** The tenant a presented key belongs to, or undefined when it is malformed, unknown or revoked. */
  async authenticate (presented: string): Promise<string | undefined> {
    const known = this.cachedTenant(presented)
    if (known !== undefined) return known ?? undefined
    const [, id, secret] = KEY_PATTERN.exec(presented) ?? []
    const row = await findActiveApiKey(this.#pool, id)
    const key = row === undefined ? null : { tenant: row.tenant, secretHash: row.secretHash }
    this.#remember(id, key)
    return tenantIfMatches(key, secret) ?? undefined
  }

  /** Revokes a key by id; false when there is no active key with that id. */
  async revoke (id: string): Promise<boolean> {
    const revoked = await revokeApiKey(this.#pool, id)
    this.#forget(id)
    return revoked
  }

  #remember (id: string, key: CachedLookup['key']): void {
    if (this.#cacheMs === 0) return
    const cache = key === null ? this.#notFound : this.#found
    // The oldest entry goes first (maps keep insertion order).
    if (cache.size >= CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value as string)
    cache.set(id, { key, expiresAt: Date.now() + this.#cacheMs })
  }

  #forget (id: string): void {
    this.#found.delete(id)
    this.#notFound.delete(id)
  }

  /** The active keys (ids and tenants, never secrets). */
  async list (): Promise<Array<{ id: string, tenant: string, createdAt: Date }>> {
    return await listApiKeys(this.#pool)
  }
}
