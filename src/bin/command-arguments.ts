/** Where a maintenance command writes its answer, one line at a time: the terminal, or the control channel's reply. */
export type Print = (line: string) => void

/**
 * The string fields `names` of `value`, and nothing else: the arguments of a command, whether
 * they come from parseArgs or, as JSON, over the embedded service's control channel.
 */
export function stringFields<Name extends string> (value: unknown, names: readonly Name[]): Partial<Record<Name, string>> {
  const fields: Partial<Record<Name, string>> = {}
  if (typeof value !== 'object' || value === null) return fields
  for (const name of names) {
    const field = (value as Record<string, unknown>)[name]
    if (typeof field === 'string') fields[name] = field
  }
  return fields
}
