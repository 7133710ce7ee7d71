import { Redis } from 'ioredis'

/**
 * Deletes every key under `prefix:`: a test's BullMQ queue and whatever else its processes kept
 * there (rate-limit windows, login throttles), which would otherwise wait for their expiry.
 * SCAN walks the keyspace in steps, so a busy Redis is not blocked as with KEYS.
 */
export async function deleteKeysUnder (redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true })
  await redis.connect()
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) await redis.unlink(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}
