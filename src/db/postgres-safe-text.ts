// toWellFormed is native in Node 20 (the engines floor); the ES2022 typings predate it.
/// <reference lib="es2024.string" />

/**
 * Makes a string storable in a Postgres `text` column and inside `jsonb`: NUL characters are
 * removed (`text` refuses the byte 0x00, `jsonb` the escape `\u0000`) and lone UTF-16
 * surrogates become U+FFFD (`jsonb` refuses them as escapes; in `text` the driver would turn
 * them into U+FFFD anyway). Every other character is valid UTF-8 and kept.
 */
export function toPostgresText (value: string): string {
  return value.replaceAll('\0', '').toWellFormed()
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
