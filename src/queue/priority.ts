/** Client-facing priority names and the rank stored in Postgres and given to BullMQ (lower runs first). */
export const priorityRanks = { high: 1, normal: 2, low: 3 } as const

export type PriorityName = keyof typeof priorityRanks

/** The name of a stored priority rank. */
export function priorityName (rank: number): PriorityName {
  const entry = Object.entries(priorityRanks).find(([, value]) => value === rank)
  if (entry === undefined) throw new RangeError(`unknown priority rank ${rank}`)
  return entry[0] as PriorityName
}
