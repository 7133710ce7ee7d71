import { isIP } from 'node:net'
import { AppError } from '../errors.js'

/** The longest webhook URL accepted. */
export const WEBHOOK_URL_MAX_LENGTH = 2048

/**
 * Checks a webhook URL given by a client: absolute http(s), no user name or password (they
 * would be sent, and shown in lists), at most {@link WEBHOOK_URL_MAX_LENGTH} characters.
 * Returns it normalised; refuses with 400 DOCQ_REQUEST_INVALID, naming `field`.
 */
export function validWebhookUrl (value: string, field: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new AppError('DOCQ_REQUEST_INVALID', `${field} is not an absolute URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AppError('DOCQ_REQUEST_INVALID', `${field} must be an http or https URL`)
  if (url.username !== '' || url.password !== '') throw new AppError('DOCQ_REQUEST_INVALID', `${field} must not carry a user name or password`)
  if (url.href.length > WEBHOOK_URL_MAX_LENGTH) throw new AppError('DOCQ_REQUEST_INVALID', `${field} is longer than ${WEBHOOK_URL_MAX_LENGTH} characters`)
  return url.href
}

// Addresses a webhook must not reach unless the deployment allows it: loopback, private
// networks, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unspecified,
// multicast and reserved ranges, and their IPv6 forms.
const PRIVATE_V4: Array<[number, number]> = [
  [0x00000000, 8], [0x0a000000, 8], [0x64400000, 10], [0x7f000000, 8], [0xa9fe0000, 16],
  [0xac100000, 12], [0xc0000000, 24], [0xc0a80000, 16], [0xc6120000, 15], [0xe0000000, 3]
]

function v4Number (address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0)
}

/** Whether `address` (an IP literal) is one a webhook must not reach by default. */
export function isPrivateAddress (address: string): boolean {
  if (isIP(address) === 4) {
    const n = v4Number(address)
    return PRIVATE_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)))
  }
  const lower = address.toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
  if (mapped !== null) return isPrivateAddress(mapped[1])
  return lower === '::' || lower === '::1' || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || lower.startsWith('ff')
}
