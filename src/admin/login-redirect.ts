/** Where the login form lives; pages that need a session send the browser here. */
export const LOGIN_PATH = '/admin/login'
const HOME_PATH = '/admin'

/** The login form's address that returns to `next` after signing in. */
export function loginPath (next: string): string {
  return `${LOGIN_PATH}?next=${encodeURIComponent(next)}`
}

/**
 * Where to go after signing in: `next` when it is a path of the admin UI on this site, the
 * overview otherwise. Anything else (`//evil.example`, `/\evil.example`, `https://...`, a path
 * outside /admin, control characters) could send a freshly signed-in admin to a look-alike site.
 */
export function safeNext (next: unknown): string {
  if (typeof next !== 'string') return HOME_PATH
  // Browsers read a backslash as a slash and drop tabs and newlines inside URLs.
  if ([...next].some((char) => char === '\\' || char <= ' ' || char === '\u007f')) return HOME_PATH
  if (next !== HOME_PATH && !next.startsWith(`${HOME_PATH}/`) && !next.startsWith(`${HOME_PATH}?`)) return HOME_PATH
  if (next.startsWith(LOGIN_PATH)) return HOME_PATH
  return next
}
