import { createHmac } from 'node:crypto'

/** The header of a delivery's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'x-docqueue-signature'
/** The header naming the event a delivery carries; the same event may arrive more than once. */
export const EVENT_ID_HEADER = 'x-docqueue-event-id'

/** The signature header's value for `body` sent at `unixSeconds`, with `secret`. */
export function signatureHeader (secret: string, unixSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')
  return `t=${unixSeconds},v1=${digest}`
}
