const MAX_FILENAME_BYTES = 255
// C0/C1 controls and the bidi overrides that can make `gpj.exe` display as `exe.jpg`.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/**
 * The display name kept for an uploaded file: its last path segment, without control or
 * bidi-override characters, at most 255 UTF-8 bytes. It is only ever shown, never used as a
 * storage path (bytes are stored by document id).
 */
export function sanitizeFilename (raw: string | undefined): string {
  const lastSegment = (raw ?? '').split(/[/\\]/).pop() ?? ''
  let name = lastSegment.normalize('NFC').replace(UNSAFE_CHARACTERS, '').trim()
  if (name === '' || name === '.' || name === '..') name = 'document'
  while (Buffer.byteLength(name) > MAX_FILENAME_BYTES) name = Array.from(name).slice(0, -1).join('')
  return name
}

const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/

/** The client's declared media type without parameters, or null when absent or malformed. */
export function sanitizeDeclaredType (raw: string | undefined): string | null {
  const type = (raw ?? '').split(';')[0].trim().toLowerCase()
  return MEDIA_TYPE.test(type) ? type : null
}
