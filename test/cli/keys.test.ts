import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t from 'tap'
import { TestContext } from '../helpers/context.js'

const run = promisify(execFile)
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)

async function keys (...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/bin/keys.ts', ...args], {
    env: { ...process.env, DATABASE_URL: context.config.DATABASE_URL }
  })
  return stdout
}

t.test('npm run keys -- create prints a working key on its last line, and revoke disables it', async (t) => {
  const output = await keys('create', '--tenant', 'cli-tenant')
  const key = output.trim().split('\n').at(-1) ?? ''
  t.match(key, /^dq_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
  const { rows } = await stack.pool.query('select tenant, secret_hash from api_keys where id = $1', [key.split('_')[1]])
  t.equal(rows[0].tenant, 'cli-tenant')
  t.notOk(rows[0].secret_hash.toString('utf8').includes(key.split('_')[2]), 'only a hash is stored')

  const listed = await app.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${key}` } })
  t.equal(listed.statusCode, 200)

  t.match(await keys('list'), /cli-tenant/)
  await keys('revoke', '--id', key.split('_')[1])
  const fresh = await context.stack()
  const freshApp = await context.app(fresh)
  const refused = await freshApp.inject({ method: 'GET', url: '/documents', headers: { authorization: `Bearer ${key}` } })
  t.equal(refused.statusCode, 401, 'a revoked key is refused (by an API without a cached entry)')
})

t.test('npm run keys refuses a bad tenant name as a usage mistake', async (t) => {
  await t.rejects(keys('create', '--tenant', 'bad tenant!'), { code: 2, stderr: /--tenant must be/ })
})

t.test('the first start creates one bootstrap key for tenant default, and only once', async (t) => {
  await stack.pool.query('delete from api_keys')
  const first = await stack.apiKeys.createBootstrapKey()
  t.equal(first?.tenant, 'default')
  t.equal(await stack.apiKeys.authenticate(first?.key ?? ''), 'default')
  t.equal(await stack.apiKeys.createBootstrapKey(), undefined)
})
