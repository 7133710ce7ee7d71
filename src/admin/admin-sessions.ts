import { createHash, randomBytes } from 'node:crypto'
import type { Pool } from '../db/pool.js'
import type { AdminIdentity } from './admin-identity.js'

export interface SessionLimits {
  /** A session ends after this long without a request. */
  idleMs: number
  /** A session ends this long after signing in, however busy. */
  maxMs: number
}

/** A live session: who it signs in, and the secret its CSRF tokens are made from. */
export interface AdminSession {
  identity: AdminIdentity
  csrfSecret: string
}

// The cookie holds the token; the table only its hash, so reading the table opens no session.
function sessionId (token: string): Buffer {
  return createHash('sha256').update(token).digest()
}

/**
 * Server-side admin sessions in Postgres. Every read checks expiry and the account, so deleting
 * a row, or disabling its account, ends the session at its very next request.
 */
export class AdminSessions {
  readonly #pool: Pool
  readonly #limits: SessionLimits

  constructor (pool: Pool, limits: SessionLimits) {
    this.#pool = pool
    this.#limits = limits
  }

  /** Starts a session for an account; returns the token for the cookie. Ended sessions are cleared on the way. */
  async start (accountId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    await this.#pool.query(`
      with expired as (
        delete from admin_sessions
         where last_seen_at <= now() - $4 * interval '1 millisecond' or created_at <= now() - $5 * interval '1 millisecond'
      )
      insert into admin_sessions (id, account_id, csrf_secret) values ($1, $2, $3)`,
    [sessionId(token), accountId, randomBytes(18).toString('base64url'), this.#limits.idleMs, this.#limits.maxMs])
    return token
  }

  /**
   * The live session of a cookie's token, marking it seen; undefined when it is unknown, idle
   * or old past its limits, or its account is disabled.
   */
  async resume (token: string): Promise<AdminSession | undefined> {
    const { rows } = await this.#pool.query<AdminIdentity & { csrfSecret: string }>(`
      update admin_sessions s set last_seen_at = now()
        from admin_accounts a
       where s.id = $1 and a.id = s.account_id and a.disabled_at is null
         and s.last_seen_at > now() - $2 * interval '1 millisecond'
         and s.created_at > now() - $3 * interval '1 millisecond'
      returning a.id::text as "accountId", a.name, a.role, a.tenants, s.csrf_secret as "csrfSecret"`,
    [sessionId(token), this.#limits.idleMs, this.#limits.maxMs])
    if (rows.length === 0) return undefined
    const { csrfSecret, ...identity } = rows[0]
    return { identity, csrfSecret }
  }

  /** Ends the session of a cookie's token, if it exists. */
  async end (token: string): Promise<void> {
    await this.#pool.query('delete from admin_sessions where id = $1', [sessionId(token)])
  }
}
