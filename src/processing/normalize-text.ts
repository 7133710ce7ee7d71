/**
 * Control characters that carry no text: C0 except tab and newline, DEL, C1, and the
 * zero-width no-break space left behind by BOMs in the middle of concatenated text.
 */
// eslint-disable-next-line no-control-regex
const invisibleControls = /[\u0000-\u0008\u000B\u000E-\u001F\u007F-\u009F\uFEFF]/g

/**
 * Normalises extracted text for storage: NFC (not NFKC: ligatures and presentation forms are
 * kept as written), line breaks unified, control characters removed, trailing spaces cut,
 * runs of blank lines collapsed to one, and the whole trimmed.
 */
export function normalizeText (raw: string): string {
  return raw
    .replace(/\r\n?|[\f\u2028\u2029\u0085]/g, '\n')
    .replace(invisibleControls, '')
    .normalize('NFC')
    // Per line, not /[ \t]+$/gm: that regex is quadratic in a long run of inner spaces.
    .split('\n').map((line) => line.trimEnd()).join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
