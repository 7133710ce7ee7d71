import { isUtf8 } from 'node:buffer'
import chardet from 'chardet'
import iconv from 'iconv-lite'

/** Text decoded from bytes and the charset that was used. */
export interface DecodedText {
  text: string
  encoding: string
}

/**
 * WHATWG-style label folding: browsers decode "iso-8859-1" and "us-ascii" as windows-1252
 * (and so do documents in the wild, which put curly quotes in 0x93/0x94), and the Asian
 * legacy labels as their Microsoft supersets.
 */
const labelAliases: Record<string, string> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'unicode-1-1-utf-8': 'utf-8',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  'iso-8859-1': 'windows-1252',
  'iso8859-1': 'windows-1252',
  'iso_8859-1': 'windows-1252',
  latin1: 'windows-1252',
  l1: 'windows-1252',
  cp819: 'windows-1252',
  'windows-1252': 'windows-1252',
  'x-cp1252': 'windows-1252',
  'iso-8859-9': 'windows-1254',
  latin5: 'windows-1254',
  'iso-8859-11': 'windows-874',
  'tis-620': 'windows-874',
  gb2312: 'gbk',
  gbk: 'gbk',
  'x-gbk': 'gbk',
  chinese: 'gbk',
  'euc-kr': 'cp949',
  'ks_c_5601-1987': 'cp949',
  'windows-949': 'cp949',
  'windows-31j': 'cp932',
  'x-sjis': 'shift_jis',
  sjis: 'shift_jis',
  ms_kanji: 'shift_jis',
  'utf-16': 'utf-16le',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be'
}

/** Maps a charset label to a name iconv-lite decodes, or null when it is unknown. */
export function canonicalCharset (label: string): string | null {
  const key = label.trim().toLowerCase()
  const name = labelAliases[key] ?? key
  return iconv.encodingExists(name) ? name : null
}

/** Charset announced by a byte-order mark, with the mark's length. */
export function detectBom (bytes: Uint8Array): { encoding: string, length: number } | null {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { encoding: 'utf-8', length: 3 }
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 }
  return null
}

/**
 * UTF-16 without a BOM shows up as a NUL in every other byte for Latin text. Checked on a
 * sample so a large binary costs nothing.
 */
function guessBomlessUtf16 (bytes: Uint8Array): string | null {
  const sample = Math.min(bytes.length, 4096) & ~1
  if (sample < 8) return null
  let evenNuls = 0
  let oddNuls = 0
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) evenNuls++
    if (bytes[i + 1] === 0) oddNuls++
  }
  const pairs = sample / 2
  if (oddNuls > pairs * 0.4 && evenNuls < pairs * 0.02) return 'utf-16le'
  if (evenNuls > pairs * 0.4 && oddNuls < pairs * 0.02) return 'utf-16be'
  return null
}

/**
 * True for valid UTF-8, also when the last character was cut off (a file truncated inside
 * a multi-byte sequence is still UTF-8; the decoder replaces the torn tail).
 */
export function looksLikeUtf8 (bytes: Uint8Array): boolean {
  if (isUtf8(bytes)) return true
  for (let cut = 1; cut <= 3 && cut < bytes.length; cut++) {
    const lead = bytes[bytes.length - cut] as number
    if (lead >= 0xc0) return isUtf8(bytes.subarray(0, bytes.length - cut))
    if (lead < 0x80) return false
  }
  return false
}

/** Decodes with iconv-lite, dropping a leading BOM. */
export function decodeAs (bytes: Uint8Array, encoding: string): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), encoding, { stripBOM: true })
}

/** Decodes a legacy (non-UTF-8, BOM-less) text with the most likely charset chardet finds. */
function decodeDetected (bytes: Uint8Array): DecodedText {
  // A large sample keeps detection fast on big files and is plenty for the statistics.
  const sample = bytes.length > 256 * 1024 ? bytes.subarray(0, 256 * 1024) : bytes
  for (const match of chardet.analyse(sample)) {
    const encoding = canonicalCharset(match.name)
    if (encoding === null || encoding === 'utf-8') continue
    if (encoding.startsWith('utf-16') || encoding.startsWith('utf-32')) continue
    const text = decodeAs(bytes, encoding)
    if (!text.includes('\uFFFD')) return { text, encoding }
  }
  // windows-1252 maps every byte to a character, so this never invents U+FFFD.
  return { text: decodeAs(bytes, 'windows-1252'), encoding: 'windows-1252' }
}

/**
 * Decodes text bytes: BOM first, then a declared charset if the bytes honour it, then UTF-8
 * when valid, then statistical detection. `declared` comes from markup (HTML meta, XML
 * declaration); a declaration that the bytes contradict is ignored as the lie it is.
 */
export function decodeText (bytes: Uint8Array, declared: string | null = null): DecodedText {
  const bom = detectBom(bytes)
  if (bom !== null) return { text: decodeAs(bytes, bom.encoding), encoding: bom.encoding }
  const utf16 = guessBomlessUtf16(bytes)
  if (utf16 !== null) return { text: decodeAs(bytes, utf16), encoding: utf16 }
  // Legacy text that happens to be valid UTF-8 is vanishingly rare, so valid UTF-8 wins
  // over a stale legacy declaration.
  if (looksLikeUtf8(bytes)) return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8' }
  const declaredCharset = declared === null ? null : canonicalCharset(declared)
  if (declaredCharset !== null && declaredCharset !== 'utf-8' && !declaredCharset.startsWith('utf-')) {
    const text = decodeAs(bytes, declaredCharset)
    if (!text.includes('\uFFFD')) return { text, encoding: declaredCharset }
  }
  return decodeDetected(bytes)
}

/**
 * Share of characters that text hardly ever contains (C0 controls other than whitespace,
 * DEL, C1 controls, U+FFFD) in a sample. Random bytes score about 20 %, text near 0; a
 * stray NUL in a log file must not turn it into binary.
 */
export function binaryCharacterRatio (text: string): number {
  const sample = text.length > 65_536 ? text.slice(0, 65_536) : text
  if (sample.length === 0) return 0
  let odd = 0
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d && c !== 0x1b) ||
      (c >= 0x7f && c <= 0x9f) || c === 0xfffd) odd++
  }
  return odd / sample.length
}
