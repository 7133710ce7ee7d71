import t from 'tap'
import type { Page } from 'playwright-core'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { axe, launchBrowser, openPage } from '../helpers/browser.js'
import { TestContext } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// The admin pages in a real Chromium: signing in and the overview, with JavaScript on (axe, no
// CSP violation, no console error) and off (every page works as plain HTML forms and links).
const browser = await launchBrowser(t)
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const origin = await app.listen({ host: '127.0.0.1', port: 0 })
const accounts = new AdminAccounts(stack.pool)
const { password } = await accounts.create({ name: 'ops <b>lead</b>', role: 'operator', tenants: null })
const { key } = await stack.apiKeys.create('browser-tenant')
await upload(app, key, 'a document for the overview to count')

async function signIn (page: Page): Promise<void> {
  await page.goto(`${origin}/admin`)
  t.match(new URL(page.url()).pathname, '/admin/login', 'an anonymous visit is sent to the login form')
  await page.getByLabel('Account name').fill('ops <b>lead</b>')
  await page.getByLabel('Password').fill(password)
  await Promise.all([page.waitForURL(`${origin}/admin`), page.getByRole('button', { name: /sign in/i }).click()])
}

t.test('with JavaScript on: the login form and the overview pass axe, with no CSP violation or console error', async (t) => {
  const page = await openPage(t, browser)
  await page.goto(`${origin}/admin/login`)
  t.same(await axe(page), [], 'the login form')
  await signIn(page)
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Overview')
  t.match(await page.locator('.account-name').textContent(), 'ops <b>lead</b>', 'the account name is shown as text, not markup')
  t.equal(await page.locator('.account-name b').count(), 0)
  t.match(await page.getByRole('row', { name: /browser-tenant/ }).textContent(), /browser-tenant\s*1/, 'the tenant\'s pending document is counted')
  t.same(await axe(page), [], 'the overview')
  await Promise.all([page.waitForURL(/\/admin\/login/), page.getByRole('button', { name: /sign out/i }).click()])
  await page.goto(`${origin}/admin`)
  t.match(new URL(page.url()).pathname, '/admin/login', 'signed out: the overview asks for a login again')
})

t.test('with JavaScript off: signing in and out work as plain forms', async (t) => {
  const page = await openPage(t, browser, { javaScript: false })
  await signIn(page)
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Overview')
  t.ok(await page.getByRole('heading', { name: 'Workers' }).isVisible(), 'an all-tenants account sees the workers')
  await Promise.all([page.waitForURL(/\/admin\/login/), page.getByRole('button', { name: /sign out/i }).click()])
})
