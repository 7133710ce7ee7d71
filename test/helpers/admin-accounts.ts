import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import type { Pool } from '../../src/db/pool.js'
import type { AdminRole } from '../../src/states.js'
import { AdminClient } from './admin-client.js'

/** Creates an admin account and signs a new client in with it; throws when the login fails. */
export async function signedInAs (app: FastifyInstance, pool: Pool, name: string, role: AdminRole, tenants: string[] | null = null): Promise<AdminClient> {
  const { password } = await new AdminAccounts(pool).create({ name, role, tenants })
  const client = new AdminClient(app)
  const login = await client.login(name, password)
  if (login.statusCode !== 303) throw new Error(`${name} could not sign in: ${login.statusCode}`)
  return client
}

/** Signs a new client in with a new account of `role`, named after the role and a random suffix. */
export async function signedInWithRole (app: FastifyInstance, pool: Pool, role: AdminRole, tenants: string[] | null = null): Promise<AdminClient> {
  return await signedInAs(app, pool, `${role}-${randomUUID().slice(0, 8)}`, role, tenants)
}
