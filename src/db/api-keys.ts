import type { Queryable } from './pool.js'

export interface ApiKeyRow {
  id: string
  tenant: string
  secretHash: Buffer
}

/** Stores a new key's id, tenant and secret hash. */
export async function insertApiKey (db: Queryable, key: ApiKeyRow): Promise<void> {
  await db.query('insert into api_keys (id, tenant, secret_hash) values ($1, $2, $3)', [key.id, key.tenant, key.secretHash])
}

/** An active (not revoked) key by its public id. */
export async function findActiveApiKey (db: Queryable, id: string): Promise<ApiKeyRow | undefined> {
  const { rows } = await db.query<ApiKeyRow>(
    'select id, tenant, secret_hash as "secretHash" from api_keys where id = $1 and revoked_at is null', [id])
  return rows[0]
}

/** Revokes a key; false when no active key has this id. */
export async function revokeApiKey (db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('update api_keys set revoked_at = now() where id = $1 and revoked_at is null', [id])
  return rowCount === 1
}

/** Active keys, without their hashes. */
export async function listApiKeys (db: Queryable): Promise<Array<{ id: string, tenant: string, createdAt: Date }>> {
  const { rows } = await db.query<{ id: string, tenant: string, createdAt: Date }>(
    'select id, tenant, created_at as "createdAt" from api_keys where revoked_at is null order by created_at')
  return rows
}

/** Whether any key exists at all, revoked or not: decides the first-start bootstrap key. */
export async function anyApiKeyExists (db: Queryable): Promise<boolean> {
  const { rowCount } = await db.query('select 1 from api_keys limit 1')
  return rowCount === 1
}
