import t from 'tap'
import type { Page } from 'playwright-core'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { axe, launchBrowser, openPage } from '../helpers/browser.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// The document page and the pause controls in a real Chromium, against a real worker: pause a
// tenant from the overview, see why its new document waits, cancel it, resume, and retry it
// from its page until it completes; with JavaScript off (plain forms) and on (axe, no CSP
// violation).
const browser = await launchBrowser(t)
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const origin = await app.listen({ host: '127.0.0.1', port: 0 })
context.worker(stack)
const { password } = await new AdminAccounts(stack.pool).create({ name: 'otto', role: 'operator', tenants: null })
const tenant = 'browser-h1'
const { key } = await stack.apiKeys.create(tenant)
const hostileName = '<img src=x onerror=alert(1)>.txt'

async function signIn (page: Page): Promise<void> {
  await page.goto(`${origin}/admin/login`)
  await page.getByLabel('Account name').fill('otto')
  await page.getByLabel('Password').fill(password)
  await Promise.all([page.waitForURL(`${origin}/admin`), page.getByRole('button', { name: /sign in/i }).click()])
}

async function statusOf (id: string): Promise<string> {
  const { rows } = await stack.pool.query<{ status: string }>('select status from documents where id = $1', [id])
  return rows[0].status
}

async function uploaded (content: string, filename: string): Promise<string> {
  const answer = await upload(app, key, content, { filename })
  t.equal(answer.statusCode, 202)
  return answer.json().id
}

t.test('pause, why pending, cancel, resume and retry to completed, as plain forms', async (t) => {
  const first = await uploaded('the first document', 'first.txt')
  await waitFor(async () => await statusOf(first) === 'completed' ? true : undefined, 'the first document to complete')

  const page = await openPage(t, browser, { javaScript: false })
  await signIn(page)
  await Promise.all([page.waitForURL(`${origin}/admin?done=pause`), page.getByRole('button', { name: `Pause ${tenant}` }).click()])
  t.ok(await page.getByRole('table', { name: 'Paused tenants' }).isVisible(), 'the paused tenant is listed')

  const held = await uploaded('a document held by the pause', hostileName)
  await page.goto(`${origin}/admin/documents/${held}`)
  t.equal(await page.locator('main img').count(), 0, 'the file name is no markup')
  t.match(await page.getByRole('heading', { level: 1 }).textContent(), hostileName)
  t.match(await page.locator('[data-reason="paused_tenant"]').textContent(), /paused for tenant browser-h1 .* by otto/)
  t.equal(await statusOf(held), 'pending', 'the worker took nothing')

  await page.getByLabel('Reason (optional)').fill('wrong file')
  await Promise.all([page.waitForURL(`${origin}/admin/documents/${held}?done=cancel`), page.getByRole('button', { name: 'Cancel' }).click()])
  t.match(await page.locator('main').getByRole('status').textContent(), 'Cancel: done.')
  t.equal(await statusOf(held), 'failed')
  t.match(await page.locator('.details').first().textContent(), /cancelled/)

  await page.goto(`${origin}/admin`)
  await Promise.all([page.waitForURL(`${origin}/admin?done=resume`), page.getByRole('button', { name: `Resume ${tenant}` }).first().click()])
  t.notOk(await page.getByRole('table', { name: 'Paused tenants' }).isVisible(), 'no paused tenant any more')

  await page.goto(`${origin}/admin/documents/${held}`)
  await Promise.all([page.waitForURL(`${origin}/admin/documents/${held}?done=retry`), page.getByRole('button', { name: 'Retry' }).click()])
  await waitFor(async () => await statusOf(held) === 'completed' ? true : undefined, 'the retried document to complete')
  await page.reload()
  t.match(await page.locator('.status').textContent(), 'completed')
  t.match(await page.locator('.preview').textContent(), 'a document held by the pause')
})

t.test('with JavaScript on: the document page and the overview with its pause controls pass axe', async (t) => {
  const document = await uploaded('a document for axe', 'axe.txt')
  await waitFor(async () => await statusOf(document) === 'completed' ? true : undefined, 'the document to complete')
  const page = await openPage(t, browser)
  await signIn(page)
  await stack.queue.pause(tenant, 'otto', 'for the paused look')
  await page.goto(`${origin}/admin`)
  t.same(await axe(page), [], 'the overview, a tenant paused')
  await page.goto(`${origin}/admin/documents/${document}`)
  t.same(await axe(page), [], 'the document page')
  await stack.queue.resume(tenant)
})
