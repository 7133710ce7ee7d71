/**
 * `Content-Disposition: attachment` for a stored display name: a plain-ASCII `filename` for old
 * clients and an RFC 5987 `filename*` with the exact UTF-8 name. Quotes, backslashes, controls and
 * non-ASCII never reach the quoted form, so the header cannot be broken out of.
 */
export function attachmentDisposition (filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_')
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

// Types a browser would run or render as a page: never served as themselves from our origin.
const ACTIVE_TYPES = new Set(['text/html', 'application/xhtml+xml', 'image/svg+xml', 'text/xml', 'application/xml', 'text/javascript', 'application/javascript'])

/** The Content-Type to serve stored bytes with: their detected type, unless a browser would execute it. */
export function servedContentType (mediaType: string): string {
  return ACTIVE_TYPES.has(mediaType) ? 'application/octet-stream' : mediaType
}
