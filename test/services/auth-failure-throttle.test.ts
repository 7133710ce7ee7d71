import { Redis } from 'ioredis'
import t from 'tap'
import { LoginThrottle } from '../../src/admin/login-throttle.js'
import { AuthFailureThrottle, addressBucket } from '../../src/services/auth-failure-throttle.js'
import { TestContext } from '../helpers/context.js'

const context = TestContext.create(t)
const redis = new Redis(context.config.REDIS_URL)
context.onCleanup(async () => {
  const keys = await redis.keys(`${context.config.QUEUE_PREFIX}:*`)
  if (keys.length > 0) await redis.del(...keys)
  await redis.quit()
})
// The throttle skips Redis until the connection is ready, rather than wait on it.
await redis.ping()

t.test('addressBucket counts an IPv6 /64 as one client and IPv4 addresses one by one', async (t) => {
  t.equal(addressBucket('203.0.113.7'), '203.0.113.7')
  t.equal(addressBucket('::ffff:203.0.113.7'), '203.0.113.7', 'an IPv4-mapped address is its IPv4 address')
  t.equal(addressBucket('2001:db8:1:2::1'), '2001:db8:1:2::/64')
  t.equal(addressBucket('2001:0DB8:0001:0002:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64', 'leading zeros and case do not matter')
  t.equal(addressBucket('2001:db8::1'), '2001:db8:0:0::/64', 'a compressed run inside the first four groups is zeros')
  t.equal(addressBucket('1::2:3:4:5:6:7'), '1:0:2:3::/64', 'groups after the run can fall in the prefix')
  t.equal(addressBucket('::1'), '0:0:0:0::/64')
  t.equal(addressBucket('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64', 'a dotted tail is two groups')
  t.equal(addressBucket('fe80::1%eth0'), 'fe80:0:0:0::/64', 'a zone does not matter')
})

t.test('failures from one IPv6 /64 are counted together, other networks apart', async (t) => {
  const throttle = new AuthFailureThrottle({ redis, prefix: context.config.QUEUE_PREFIX, maxFailures: 3, windowMs: 60_000 })
  const results = []
  for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::3']) results.push(await throttle.recordFailure(address))
  t.same(results, [{ failures: 1, reachedLimit: false }, { failures: 2, reachedLimit: false }, { failures: 3, reachedLimit: true }])
  const wait = await throttle.retryAfterSeconds('2001:db8:1:2::abcd')
  t.ok(wait !== undefined && wait >= 1 && wait <= 60, 'a fresh address in the same /64 is refused')
  t.equal(await throttle.retryAfterSeconds('2001:db8:1:3::1'), undefined, 'the next /64 is not')
  t.equal(await redis.get(`${context.config.QUEUE_PREFIX}:auth-failures:2001:db8:1:2::/64`), '3')
})

t.test('a throttle set to 0 counts nothing and refuses nobody', async (t) => {
  const throttle = new AuthFailureThrottle({ redis, prefix: `${context.config.QUEUE_PREFIX}-off`, maxFailures: 0, windowMs: 60_000 })
  for (let i = 0; i < 5; i++) t.same(await throttle.recordFailure('198.51.100.1'), { failures: 0, reachedLimit: false })
  t.equal(await throttle.retryAfterSeconds('198.51.100.1'), undefined)
  t.equal(await redis.exists(`${context.config.QUEUE_PREFIX}-off:auth-failures:198.51.100.1`), 0)
})

// The embedded mode has no Redis: the same throttles count in the process's memory.
t.test('without Redis the failures are counted in memory, and refused until the window ends', async (t) => {
  const throttle = new AuthFailureThrottle({ redis: undefined, prefix: 'embedded', maxFailures: 2, windowMs: 3_000 })
  t.same(await throttle.recordFailure('198.51.100.7'), { failures: 1, reachedLimit: false })
  t.equal(await throttle.retryAfterSeconds('198.51.100.7'), undefined, 'under the limit it may still try')
  t.same(await throttle.recordFailure('198.51.100.7'), { failures: 2, reachedLimit: true })
  const wait = await throttle.retryAfterSeconds('198.51.100.7')
  t.ok(wait !== undefined && wait >= 1 && wait <= 3, `at the limit it waits for the rest of the window: ${wait}`)
  t.equal(await throttle.retryAfterSeconds('198.51.100.8'), undefined, 'another address is not refused')
  await new Promise((resolve) => setTimeout(resolve, 3_100))
  t.equal(await throttle.retryAfterSeconds('198.51.100.7'), undefined, 'once the window ends it may try again')
  t.same(await throttle.recordFailure('198.51.100.7'), { failures: 1, reachedLimit: false }, 'in a new window that counts from one')
})

t.test('without Redis the admin login throttle counts per account name and per address in memory', async (t) => {
  const throttle = new LoginThrottle({ redis: undefined, prefix: 'embedded', maxFailures: 2, windowMs: 60_000 })
  await throttle.recordFailure('Root', '198.51.100.1')
  await throttle.recordFailure('root', '198.51.100.2')
  t.ok(await throttle.retryAfterSeconds('root', '198.51.100.3') !== undefined, 'an account name is refused from any address, whatever its case')
  t.equal(await throttle.retryAfterSeconds('alice', '198.51.100.3'), undefined, 'another name from a fresh address is not')
  await throttle.recordFailure('alice', '198.51.100.3')
  await throttle.recordFailure('bob', '198.51.100.3')
  t.ok(await throttle.retryAfterSeconds('carol', '198.51.100.3') !== undefined, 'an address that failed twice is refused for any name')
})
