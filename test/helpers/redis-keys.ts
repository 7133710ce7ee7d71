import { Redis } from 'ioredis'

/**
 * Deletes every key matching `pattern` (a Redis glob such as `prefix:*`) and returns how many:
 * a test's or a benchmark's queue and whatever else its processes kept under its prefix
 * (rate-limit windows, login throttles). SCAN walks the keyspace in steps, so a busy Redis is
 * not blocked as with KEYS; UNLINK frees the memory off Redis's main thread.
 */
export async function deleteRedisKeys (redisUrl: string, pattern: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true })
  await redis.connect()
  let deleted = 0
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) deleted += await redis.unlink(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
  return deleted
}
