const MAX_FILENAME_BYTES = 255
// Controls (Cc), line and paragraph separators (Zl, Zp), lone surrogates (Cs) and every
// invisible format character (Cf): the bidi controls that can make `gpj.exe` display as
// `exe.jpg` (U+202E, U+2066-2069, U+061C, U+200E/F) and the zero-width characters (U+200B,
// U+FEFF) that make two different names look the same. The whole category, not a list, so that
// characters Unicode adds later are dropped too.
const UNSAFE_CHARACTERS = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu

/**
 * The display name kept for an uploaded file: its last path segment, without control, line
 * separator or invisible format characters (bidi controls, zero-width characters), at most 255
 * UTF-8 bytes. It is only ever shown, never used as a storage path (bytes are stored by document id).
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
