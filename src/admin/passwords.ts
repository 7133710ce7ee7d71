import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

// scrypt costs: N = 2^15 with r = 8 takes 32 MiB and tens of milliseconds per hash, the
// interactive-login setting. They are written into every hash, so raising them later still
// verifies the hashes made before.
const DEFAULT_COST = { N: 2 ** 15, r: 8, p: 1 }
const KEY_LENGTH = 32
const SALT_LENGTH = 16
const PREFIX = 'scrypt'

function derive (password: string, salt: Buffer, cost: { N: number, r: number, p: number }): Promise<Buffer> {
  // Node refuses an N*r above its default memory cap (32 MiB) unless told the cost is expected.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r }
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, options, (error, key) => { if (error === null) resolve(key); else reject(error) })
  })
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword (password: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_LENGTH)
  const key = await derive(password, salt, cost)
  return [PREFIX, cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/**
 * Whether `password` matches `stored`, compared in constant time. A malformed hash string
 * matches nothing rather than throwing, so a damaged row locks its account instead of
 * answering 500.
 */
export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== PREFIX) return false
  const [N, r, p] = parts.slice(1, 4).map(Number)
  const salt = Buffer.from(parts[4], 'base64url')
  const expected = Buffer.from(parts[5], 'base64url')
  if (![N, r, p].every(Number.isSafeInteger) || expected.length !== KEY_LENGTH) return false
  const actual = await derive(password, salt, { N, r, p }).catch(() => undefined)
  return actual !== undefined && timingSafeEqual(actual, expected)
}

/**
 * A one-time password to hand to a new account holder: 20 random bytes as base64url (27
 * characters, 160 bits), shown once by the CLI and stored only as its hash.
 */
export function generateOneTimePassword (): string {
  return randomBytes(20).toString('base64url')
}

/**
 * A hash of a password nobody knows, to verify against when the account name is unknown, so
 * that a failed login takes as long whether or not the account exists.
 */
export const decoyPasswordHash: Promise<string> = hashPassword(generateOneTimePassword())
