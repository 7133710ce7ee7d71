import t from 'tap'
import { generateOneTimePassword, hashPassword, verifyPassword } from '../../src/admin/passwords.js'

t.test('a password verifies against its hash and nothing else does', async (t) => {
  const hash = await hashPassword('correct horse')
  t.match(hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/, 'the cost and salt are in the hash string')
  t.notOk(hash.includes('correct horse'))
  t.equal(await verifyPassword('correct horse', hash), true)
  t.equal(await verifyPassword('correct horsf', hash), false)
  t.equal(await verifyPassword('', hash), false)
})

t.test('the same password hashes differently each time (a random salt)', async (t) => {
  t.not(await hashPassword('same'), await hashPassword('same'))
})

t.test('the cost stored in a hash is the one used to verify it', async (t) => {
  const cheap = await hashPassword('pw', { N: 2 ** 10, r: 8, p: 1 })
  t.match(cheap, /^scrypt\$1024\$8\$1\$/)
  t.equal(await verifyPassword('pw', cheap), true)
})

t.test('a malformed hash string matches nothing and does not throw', async (t) => {
  for (const stored of ['', 'none', 'scrypt$x$8$1$aa$bb', 'scrypt$1024$8$1$aa$short', 'bcrypt$1$2$3$4$5', 'scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
    t.equal(await verifyPassword('pw', stored), false, JSON.stringify(stored))
  }
})

t.test('one-time passwords are long, URL-safe and never repeat', async (t) => {
  const passwords = new Set(Array.from({ length: 100 }, generateOneTimePassword))
  t.equal(passwords.size, 100)
  for (const password of passwords) t.match(password, /^[A-Za-z0-9_-]{27}$/)
})
