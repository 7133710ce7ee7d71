import t from 'tap'
import type { Page } from 'playwright-core'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { FAILURE_CODE } from '../../src/states.js'
import { axe, launchBrowser, openPage } from '../helpers/browser.js'
import { TestContext } from '../helpers/context.js'
import { enqueueOne, failedDocument, newTenant } from '../helpers/queue-fixtures.js'

// The documents list and the failures page in a real Chromium: axe and the CSP with JavaScript
// on, the row selection script, and the filter and selection forms with JavaScript off.
const browser = await launchBrowser(t)
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const origin = await app.listen({ host: '127.0.0.1', port: 0 })
const { password } = await new AdminAccounts(stack.pool).create({ name: 'operator', role: 'operator', tenants: null })
const tenant = newTenant()
for (let i = 0; i < 4; i++) {
  await failedDocument(stack, { tenant, filename: `broken-${i}.pdf` }, { message: `bad xref at offset ${i} in "<b>${i}</b>.pdf"`, code: FAILURE_CODE.corrupt })
}
await enqueueOne(stack, { tenant, filename: '<img src=x onerror=alert(1)>.txt' })

async function signIn (page: Page, next: string): Promise<void> {
  await page.goto(`${origin}${next}`)
  await page.getByLabel('Account name').fill('operator')
  await page.getByLabel('Password').fill(password)
  await Promise.all([page.waitForURL(/\/admin\/(documents|failures)/), page.getByRole('button', { name: /sign in/i }).click()])
}

t.test('with JavaScript on: both pages pass axe with no CSP violation, and rows select by page and by range', async (t) => {
  const page = await openPage(t, browser)
  await signIn(page, `/admin/documents?tenant=${tenant}`)
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Documents')
  t.equal(await page.locator('img').count(), 0, 'the hostile file name is text')
  t.same(await axe(page), [], 'the documents list')
  const all = page.getByLabel('Select all on this page')
  await all.waitFor({ state: 'visible' })
  const boxes = page.locator('input[name="id"]')
  t.equal(await boxes.count(), 5)
  t.ok(await page.getByRole('button', { name: 'Retry selected' }).isDisabled(), 'nothing selected, nothing to submit')
  await boxes.nth(0).click()
  await boxes.nth(3).click({ modifiers: ['Shift'] })
  t.same(await Promise.all([0, 1, 2, 3, 4].map(async (i) => await boxes.nth(i).isChecked())), [true, true, true, true, false], 'shift-click selects the range')
  t.ok(await page.getByRole('button', { name: 'Retry selected' }).isEnabled())
  await all.check()
  t.equal(await page.locator('input[name="id"]:checked').count(), 5, 'select all on this page')
  await all.uncheck()
  t.equal(await page.locator('input[name="id"]:checked').count(), 0)

  await page.goto(`${origin}/admin/failures?tenant=${tenant}`)
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Failures')
  t.match(await page.getByRole('row', { name: /corrupt/ }).textContent(), /bad xref at offset <n> in <quoted>\s*4/)
  t.same(await axe(page), [], 'the failures page')
})

t.test('with JavaScript off: the filter form and the selection form work as plain GET forms', async (t) => {
  // Without the script the bulk page is reached directly; it is another page's route.
  const page = await openPage(t, browser, { javaScript: false, allow: [/404/] })
  await signIn(page, '/admin/documents')
  await page.getByLabel('Tenant', { exact: true }).fill(tenant)
  await page.getByLabel('Status', { exact: true }).selectOption('failed')
  await Promise.all([page.waitForURL(/status=failed/), page.getByRole('button', { name: 'Apply filter' }).click()])
  const url = new URL(page.url())
  t.equal(url.searchParams.get('tenant'), tenant)
  t.equal(await page.locator('input[name="id"]').count(), 4)
  await page.locator('input[name="id"]').nth(1).check()
  await Promise.all([page.waitForURL(/\/admin\/bulk\/new/), page.getByRole('button', { name: 'Retry selected' }).click()])
  const bulk = new URL(page.url())
  t.equal(bulk.searchParams.get('action'), 'retry')
  t.equal(bulk.searchParams.getAll('id').length, 1)
})
