import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { SESSION_COOKIE } from '../../src/admin/admin-session-hook.js'
import { AdminClient } from '../helpers/admin-client.js'
import { axe, launchBrowser, openPage } from '../helpers/browser.js'
import { TestContext } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// The chrome every admin page shares, in a real Chromium: keyboard shortcuts, the shortcuts
// dialog, live updates of the overview's counts (and their pause in a hidden tab), relative
// times, and both themes passing axe. openPage fails a test on any CSP violation or console error.
// Five pages in Chromium, axe on seven of them: more than tap's default budget on a busy machine.
t.setTimeout(300_000)
const browser = await launchBrowser(t)
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const origin = await app.listen({ host: '127.0.0.1', port: 0 })
const { password } = await new AdminAccounts(stack.pool).create({ name: 'chrome-operator', role: 'operator', tenants: null })
const { key } = await stack.apiKeys.create('chrome-tenant')
await upload(app, key, 'the first document', { filename: 'first.txt' })

/**
 * A page on the overview, signed in with a session of its own. The login form itself is
 * browser.test.ts's subject; here the session cookie is handed to the browser directly.
 */
async function signedInPage (t: Test, options: Parameters<typeof openPage>[2] = {}): Promise<Page> {
  const client = new AdminClient(app)
  t.equal((await client.login('chrome-operator', password)).statusCode, 303, 'signed in')
  const page = await openPage(t, browser, options)
  const { hostname } = new URL(origin)
  await page.context().addCookies([{ name: SESSION_COOKIE, value: client.cookies.get(SESSION_COOKIE) ?? '', domain: hostname, path: '/admin', httpOnly: true, sameSite: 'Strict' }])
  await page.goto(`${origin}/admin`)
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
  // Values, not getter functions: tsx names a function it compiles with a helper of its own,
  // which does not exist in the page this function is sent to.
  await page.evaluate((hidden) => {
    Object.defineProperty(document, 'hidden', { configurable: true, value: hidden })
    Object.defineProperty(document, 'visibilityState', { configurable: true, value: hidden ? 'hidden' : 'visible' })
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

t.test('the dark theme follows the system and passes axe on the overview and the audit log', async (t) => {
  // The light theme passes axe in the other tests (the dialog, the audit log) and browser.test.ts (the overview).
  const page = await signedInPage(t)
  const background = async (): Promise<string> => await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
  await page.emulateMedia({ colorScheme: 'light' })
  t.equal(await background(), 'rgb(247, 247, 248)', 'the light background')
  await page.emulateMedia({ colorScheme: 'dark' })
  t.equal(await background(), 'rgb(21, 23, 27)', 'the dark background, without a reload')
  t.same(await axe(page), [], 'the overview in the dark theme')
  await page.goto(`${origin}/admin/audit`)
  t.same(await axe(page), [], 'the audit log in the dark theme')
})
