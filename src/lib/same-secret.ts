import { createHash, timingSafeEqual } from 'node:crypto'

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** Whether a presented secret is the expected one, in the same time for any guess. */
export function sameSecret (presented: string, expected: string): boolean {
  // Hashing first gives equal lengths, which timingSafeEqual needs.
  return timingSafeEqual(digest(presented), digest(expected))
}
