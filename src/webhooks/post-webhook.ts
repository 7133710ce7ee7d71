import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import { isPrivateAddress } from './webhook-url.js'

export interface PostOptions {
  timeoutMs: number
  /** Whether loopback, private and link-local addresses may be reached (SSRF guard off). */
  allowPrivateAddresses: boolean
}

/** What became of one POST: the status it got, or why there was none. */
export interface PostOutcome {
  statusCode: number | null
  error: string | null
}

class RefusedAddress extends Error {}

/**
 * POSTs `body` as JSON to `url` within `timeoutMs` (connection, answer and all), without
 * following redirects. Unless allowed, an address that is private (checked on every address
 * the name resolves to, at connection time, so a name cannot be re-pointed after a check) is
 * refused. Never throws: any failure is the outcome's `error`.
 */
export async function postWebhook (url: string, body: string, headers: Record<string, string>, options: PostOptions): Promise<PostOutcome> {
  const target = new URL(url)
  const host = target.hostname.replace(/^\[|\]$/g, '')
  if (!options.allowPrivateAddresses && isIP(host) !== 0 && isPrivateAddress(host)) {
    return { statusCode: null, error: `refused: ${host} is a private address (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)` }
  }
  const guardedLookup = (hostname: string, lookupOptions: LookupOptions, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void): void => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, [])
      const refused = addresses.find((a) => isPrivateAddress(a.address))
      if (!options.allowPrivateAddresses && refused !== undefined) {
        return callback(new RefusedAddress(`refused: ${hostname} resolves to the private address ${refused.address} (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)`), [])
      }
      if (lookupOptions.all === true) return callback(null, addresses)
      callback(null, addresses[0].address, addresses[0].family)
    })
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  return await new Promise<PostOutcome>((resolve) => {
    const req = send(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
      lookup: guardedLookup as never,
      timeout: options.timeoutMs
    }, (response) => {
      // The answer's body is not wanted; it is read and dropped so the socket is freed.
      response.resume()
      response.on('end', () => { resolve({ statusCode: response.statusCode ?? null, error: null }) })
      response.on('error', (error) => { resolve({ statusCode: response.statusCode ?? null, error: error.message }) })
    })
    const deadline = setTimeout(() => { req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)) }, options.timeoutMs)
    req.on('close', () => { clearTimeout(deadline) })
    req.on('timeout', () => { req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)) })
    req.on('error', (error) => { resolve({ statusCode: null, error: error.message }) })
    req.end(body)
  })
}
