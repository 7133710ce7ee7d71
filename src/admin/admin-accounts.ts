import type { Pool } from '../db/pool.js'
import type { AdminRole } from '../states.js'
import { generateOneTimePassword, hashPassword } from './passwords.js'

/** Account names: what a person types at the login form, so plain and short. */
export const ACCOUNT_NAME_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/
/** Tenant names, as API keys take them (see the keys CLI). */
export const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

export interface AdminAccount {
  id: string
  name: string
  role: AdminRole
  /** The tenants the account sees and touches; null for every tenant. */
  tenants: string[] | null
  disabledAt: Date | null
  createdAt: Date
}

/** An account as the login form needs it: with its password hash. */
export interface AdminLoginAccount extends AdminAccount {
  passwordHash: string
}

const columns = 'id::text, name, role, tenants, disabled_at as "disabledAt", created_at as "createdAt"'

/** Creates, lists, disables and resets admin accounts; passwords are stored only as hashes. */
export class AdminAccounts {
  readonly #pool: Pool

  constructor (pool: Pool) {
    this.#pool = pool
  }

  /** Creates an account; the returned one-time password is shown once and cannot be recovered. */
  async create (account: { name: string, role: AdminRole, tenants: string[] | null }): Promise<{ account: AdminAccount, password: string }> {
    const password = generateOneTimePassword()
    const { rows } = await this.#pool.query<AdminAccount>(`
      insert into admin_accounts (name, role, tenants, password_hash) values ($1, $2, $3, $4)
      on conflict (name) do nothing returning ${columns}`,
    [account.name, account.role, account.tenants, await hashPassword(password)])
    if (rows.length === 0) throw new Error(`an account named ${account.name} already exists`)
    return { account: rows[0], password }
  }

  async list (): Promise<AdminAccount[]> {
    const { rows } = await this.#pool.query<AdminAccount>(`select ${columns} from admin_accounts order by name`)
    return rows
  }

  async findForLogin (name: string): Promise<AdminLoginAccount | undefined> {
    const { rows } = await this.#pool.query<AdminLoginAccount>(
      `select ${columns}, password_hash as "passwordHash" from admin_accounts where name = $1`, [name])
    return rows[0]
  }

  /** Disables an account and ends its sessions in the same statement; false if there is no such account. */
  async disable (name: string): Promise<boolean> {
    const { rows } = await this.#pool.query(`
      with disabled as (
        update admin_accounts set disabled_at = coalesce(disabled_at, now()) where name = $1 returning id
      ), ended as (
        delete from admin_sessions where account_id in (select id from disabled)
      )
      select id from disabled`, [name])
    return rows.length > 0
  }

  /**
   * Gives an account a new one-time password and ends its sessions in the same statement, so
   * whoever held the old password is signed out at once. Undefined if there is no such account.
   */
  async resetPassword (name: string): Promise<string | undefined> {
    const password = generateOneTimePassword()
    const { rows } = await this.#pool.query(`
      with reset as (
        update admin_accounts set password_hash = $2, password_changed_at = now() where name = $1 returning id
      ), ended as (
        delete from admin_sessions where account_id in (select id from reset)
      )
      select id from reset`, [name, await hashPassword(password)])
    return rows.length > 0 ? password : undefined
  }
}
