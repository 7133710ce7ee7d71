// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// Without the `u` flag the pattern sees UTF-16 code units, which is what makes lone halves visible.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * Makes a string storable in a Postgres `text` column and inside `jsonb`: NUL characters are
 * removed (`text` refuses the byte 0x00, `jsonb` the escape `\u0000`) and lone UTF-16
 * surrogates become U+FFFD (`jsonb` refuses them as escapes; in `text` the driver would turn
 * them into U+FFFD anyway). Every other character is valid UTF-8 and kept.
 */
export function toPostgresText (value: string): string {
  return value.replaceAll('\0', '').replace(loneSurrogate, '\uFFFD')
}

/**
 * {@link toPostgresText} applied to every string in a JSON-like value, object keys included,
 * through nested objects and arrays; other values are returned as they are.
 */
export function toPostgresJson<T> (value: T): T {
  return cleanValue(value) as T
}

function cleanValue (value: unknown): unknown {
  if (typeof value === 'string') return toPostgresText(value)
  if (Array.isArray(value)) return value.map(cleanValue)
  if (value === null || typeof value !== 'object' || value instanceof Date) return value
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [toPostgresText(key), cleanValue(inner)]))
}
