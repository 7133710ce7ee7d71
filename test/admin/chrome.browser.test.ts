import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { axe, launchBrowser, openPage } from '../helpers/browser.js'
import { TestContext } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// The chrome every admin page shares, in a real Chromium: keyboard shortcuts, the shortcuts
// dialog, live updates of the overview's counts (and their pause in a hidden tab), relative
// times, and both themes passing axe. openPage fails a test on any CSP violation or console error.
const browser = await launchBrowser(t)
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const origin = await app.listen({ host: '127.0.0.1', port: 0 })
const { password } = await new AdminAccounts(stack.pool).create({ name: 'chrome-operator', role: 'operator', tenants: null })
const { key } = await stack.apiKeys.create('chrome-tenant')
await upload(app, key, 'the first document', { filename: 'first.txt' })

async function signIn (page: Page): Promise<void> {
  await page.goto(`${origin}/admin/login`)
  await page.getByLabel('Account name').fill('chrome-operator')
  await page.getByLabel('Password').fill(password)
  await Promise.all([page.waitForURL(`${origin}/admin`), page.getByRole('button', { name: /sign in/i }).click()])
}

async function signedInPage (t: Test, options: Parameters<typeof openPage>[2] = {}): Promise<Page> {
  const page = await openPage(t, browser, options)
  await signIn(page)
  return page
}

async function focusedId (page: Page): Promise<string> {
  return await page.evaluate(() => document.activeElement?.id ?? '')
}

/** The Pending count of the overview as shown. */
async function shownPending (page: Page): Promise<string> {
  return (await page.locator('.counts div', { hasText: 'Pending' }).locator('dd').textContent()) ?? ''
}

/** Makes the tab look hidden or shown to the page, as switching tabs would, and tells it so. */
async function setHidden (page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden })
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') })
    document.dispatchEvent(new Event('visibilitychange'))
  }, hidden)
}

t.test('/ focuses the search, ? opens the shortcuts dialog, and neither fires while typing', async (t) => {
  const page = await signedInPage(t)
  t.ok(await page.getByRole('button', { name: 'Keyboard shortcuts' }).isVisible(), 'the shortcuts button is shown')
  await page.keyboard.press('/')
  t.equal(await focusedId(page), 'site-search')
  await page.keyboard.type('j?/')
  t.equal(await page.locator('#site-search').inputValue(), 'j?/', 'keys typed in the search are text')
  t.notOk(await page.locator('#shortcuts').isVisible(), 'no dialog while typing')
  await page.locator('main h1').click()
  await page.keyboard.press('?')
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
  t.ok(await dialog.isVisible(), '? opens the dialog')
  t.same(await axe(page), [], 'the open dialog passes axe')
  await page.keyboard.press('Escape')
  t.notOk(await dialog.isVisible(), 'Escape closes it')
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click()
  t.ok(await dialog.isVisible(), 'the button opens it too')
  await dialog.getByRole('button', { name: 'Close' }).click()
  t.notOk(await dialog.isVisible())
})

t.test('g a goes to the audit log, j and k move through its rows, Enter opens the row\'s link', async (t) => {
  const page = await signedInPage(t)
  await page.locator('main h1').click()
  await Promise.all([page.waitForURL(`${origin}/admin/audit`), page.keyboard.press('g').then(async () => { await page.keyboard.press('a') })])
  t.equal(await page.getByRole('link', { name: 'Audit' }).getAttribute('aria-current'), 'page', 'the nav marks the audit log')
  const rows = page.locator('main tbody tr')
  t.ok(await rows.count() >= 2, 'the sign-ins are listed')
  const focusedRow = async (): Promise<number> => await page.evaluate(() => [...document.querySelectorAll('main tbody tr')].indexOf(document.activeElement as HTMLTableRowElement))
  await page.keyboard.press('j')
  t.equal(await focusedRow(), 0, 'j focuses the first row')
  await page.keyboard.press('j')
  t.equal(await focusedRow(), 1, 'j again the second')
  await page.keyboard.press('k')
  t.equal(await focusedRow(), 0, 'k goes back')
  const href = await rows.first().locator('a[href]').first().getAttribute('href')
  await Promise.all([page.waitForURL((url) => `${url.pathname}${url.search}` === href), page.keyboard.press('Enter')])
  t.pass(`Enter opened ${href ?? ''}`)
  t.same(await axe(page), [], 'the audit page passes axe')
})

t.test('live updates change a count after an upload without a reload, and pause in a hidden tab', async (t) => {
  const page = await signedInPage(t)
  const fragmentRequests: string[] = []
  page.on('request', (request) => { if (request.url().endsWith('/admin/fragments/overview')) fragmentRequests.push(request.url()) })
  const before = Number(await shownPending(page))
  await page.evaluate(() => { (window as unknown as { notReloaded: boolean }).notReloaded = true })
  await page.getByLabel('Live updates').selectOption({ label: 'every 2 s' })
  t.equal(await page.evaluate(() => localStorage.getItem('docq.liveIntervalMs')), '2000', 'the choice is remembered')
  await page.waitForSelector('html[data-live-state="polling"]')

  t.equal((await upload(app, key, 'a second document', { filename: 'second.txt' })).statusCode, 202)
  await page.waitForFunction((expected) => document.querySelector('.counts dd')?.textContent === expected, String(before + 1))
  t.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page was not reloaded')
  t.equal(await page.locator('#live-status').textContent(), 'Documents by status updated.', 'the change is announced politely')
  t.equal(await page.locator('#live-status').getAttribute('aria-live'), 'polite')

  await setHidden(page, true)
  await page.waitForSelector('html[data-live-state="paused"]')
  const requestsWhenHidden = fragmentRequests.length
  t.equal((await upload(app, key, 'a third document', { filename: 'third.txt' })).statusCode, 202)
  // A hidden tab must not ask at all: no request comes within more than two intervals.
  await t.rejects(page.waitForRequest(/\/admin\/fragments\/overview$/, { timeout: 5_000 }), 'no poll while hidden')
  t.equal(fragmentRequests.length, requestsWhenHidden)
  t.equal(await shownPending(page), String(before + 1), 'the count waits')

  await setHidden(page, false)
  await page.waitForFunction((expected) => document.querySelector('.counts dd')?.textContent === expected, String(before + 2))
  t.pass('shown again, it refreshes at once')

  await page.getByLabel('Live updates').selectOption({ label: 'off' })
  await page.waitForSelector('html[data-live-state="off"]')
  await page.reload()
  t.equal(await page.getByLabel('Live updates').inputValue(), '0', 'off is remembered across pages')
  await page.waitForSelector('html[data-live-state="off"]')
})

t.test('times read as relative, with the exact local time on hover; without JavaScript, the exact UTC time', async (t) => {
  const page = await signedInPage(t)
  await page.goto(`${origin}/admin/audit`)
  const time = page.locator('main tbody time').first()
  t.match(await time.textContent(), /^(just now|\d+ (s|min|h|d) ago)$/)
  const datetime = await time.getAttribute('datetime')
  t.equal(await time.getAttribute('title'), await page.evaluate((at) => new Date(at).toLocaleString(), datetime ?? ''))
  const plain = await signedInPage(t, { javaScript: false })
  await plain.goto(`${origin}/admin/audit`)
  t.match(await plain.locator('main tbody time').first().textContent(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/)
  t.notOk(await plain.getByRole('button', { name: 'Keyboard shortcuts' }).isVisible(), 'no shortcuts button without the script that makes it work')
  t.notOk(await plain.getByLabel('Live updates').isVisible(), 'nor the live control')
})

t.test('the dark theme follows the system, and both themes pass axe on the overview and the audit log', async (t) => {
  const page = await signedInPage(t)
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    for (const path of ['/admin', '/admin/audit']) {
      await page.goto(`${origin}${path}`)
      t.same(await axe(page), [], `${path} in the ${colorScheme} theme`)
    }
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    t.equal(background, colorScheme === 'dark' ? 'rgb(21, 23, 27)' : 'rgb(247, 247, 248)', `the ${colorScheme} background`)
  }
})
