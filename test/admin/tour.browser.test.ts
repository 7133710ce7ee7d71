import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { AdminAccounts } from '../../src/admin/admin-accounts.js'
import { axe, launchBrowser, openPage } from '../helpers/browser.js'
import { readCorpusFile } from '../helpers/corpus.js'
import { TestContext, waitFor } from '../helpers/context.js'
import { upload } from '../helpers/http.js'

// Every admin page in a real Chromium, against a real worker, with the data an operator meets:
// completed, failed and paused documents of two tenants, a hostile file name, a bulk retry of a
// failure group. Each page passes axe in the light and the dark theme; the overview's counts
// match /queue/stats; the bulk retry's dry run counts what it then changes. With
// ADMIN_SCREENSHOTS_DIR set, every page is saved there in both themes (the README's screenshots).
// Eleven pages, two themes, axe on each: far more than tap's default budget on a busy machine.
t.setTimeout(600_000)
const screenshots = process.env.ADMIN_SCREENSHOTS_DIR
if (screenshots !== undefined) await mkdir(screenshots, { recursive: true })

const browser = await launchBrowser(t)
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const origin = await app.listen({ host: '127.0.0.1', port: 0 })
context.worker(stack)
const { password } = await new AdminAccounts(stack.pool).create({ name: 'alice', role: 'admin', tenants: null })
const acme = (await stack.apiKeys.create('acme')).key
const globex = (await stack.apiKeys.create('globex')).key
const hostileName = '<img src=x onerror=alert(1)>.txt'

async function uploaded (key: string, content: string | Buffer, filename: string, contentType = 'text/plain'): Promise<string> {
  const answer = await upload(app, key, content, { filename, contentType })
  if (answer.statusCode !== 202) throw new Error(`the upload of ${filename} answered ${answer.statusCode}`)
  return answer.json().id
}

async function unfinished (): Promise<number> {
  const { rows } = await stack.pool.query<{ n: number }>("select count(*)::int as n from documents where status in ('pending', 'in_progress')")
  return rows[0].n
}

const tracemonkey = readCorpusFile('pdfjs_tracemonkey.pdf')
for (const [name, text] of [['quarterly-report.txt', 'Revenue grew in every region this quarter.'], ['minutes-2026-11-30.md', '# Minutes\n\nThe board approved the plan.'], [hostileName, 'a file named like markup']]) {
  await uploaded(acme, text, name)
}
await uploaded(acme, tracemonkey, 'tracemonkey.pdf', 'application/pdf')
// Cut short, two PDFs fail as corrupt: one failure group.
const truncated = [await uploaded(acme, tracemonkey.subarray(0, 4096), 'scan-0001.pdf', 'application/pdf'), await uploaded(acme, tracemonkey.subarray(0, 8192), 'scan-0002.pdf', 'application/pdf')]
await uploaded(acme, readCorpusFile('poi_bug53475-password-is-pass.docx'), 'contract-signed.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')
for (let i = 1; i <= 3; i++) await uploaded(globex, `Invoice ${i}: 1,200 EUR`, `invoice-${i}.txt`)
await waitFor(async () => await unfinished() === 0 ? true : undefined, 'every upload to be processed')
await stack.queue.pause('globex', 'alice', 'supplier outage')
const waiting = await uploaded(globex, 'Invoice 4: 800 EUR', 'invoice-4.txt')
const failedPdf = truncated[0]

async function signedIn (t: Test): Promise<Page> {
  const page = await openPage(t, browser)
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(`${origin}/admin/login`)
  await page.getByLabel('Account name').fill('alice')
  await page.getByLabel('Password').fill(password)
  await Promise.all([page.waitForURL(`${origin}/admin`), page.getByRole('button', { name: /sign in/i }).click()])
  return page
}

/** axe in both themes, and the screenshots when asked for. */
async function check (t: Test, page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    t.same(await axe(page), [], `${name}, ${colorScheme} theme: no accessibility violation`)
    if (screenshots !== undefined) await page.screenshot({ path: join(screenshots, `${name}-${colorScheme}.png`) })
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

t.test('the login form', async (t) => {
  const page = await openPage(t, browser)
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.goto(`${origin}/admin/login`)
  await check(t, page, 'login')
})

t.test('the overview counts what /queue/stats counts', async (t) => {
  const page = await signedIn(t)
  const stats = (await app.inject({ method: 'GET', url: '/queue/stats', headers: { authorization: `Bearer ${acme}` } })).json()
  const tenants = page.locator('section[aria-labelledby="tenants-heading"]')
  const row = tenants.getByRole('row', { name: /^acme/ })
  const cells = await row.locator('td').allTextContents()
  t.same(cells.slice(0, 5).map(Number), [stats.pending, stats.retrying, stats.inProgress, stats.completed, stats.failed], 'acme\'s row: pending, retrying, in progress, completed, failed')
  t.match(await tenants.getByRole('row', { name: /^globex/ }).textContent(), /paused/)
  await check(t, page, 'overview')
})

t.test('the documents list shows a hostile file name as text', async (t) => {
  const page = await signedIn(t)
  await page.goto(`${origin}/admin/documents?tenant=acme`)
  t.equal(await page.locator('main img').count(), 0, 'no markup from the file name')
  t.ok(await page.getByRole('link', { name: hostileName }).isVisible())
  await check(t, page, 'documents')
})

t.test('a failed document and a paused one explain themselves', async (t) => {
  const page = await signedIn(t)
  await page.goto(`${origin}/admin/documents/${failedPdf}`)
  t.match(await page.getByRole('heading', { level: 1 }).textContent(), 'scan-0001.pdf')
  await check(t, page, 'document-failed')
  await page.goto(`${origin}/admin/documents/${waiting}`)
  t.match(await page.locator('[data-reason="paused_tenant"]').textContent(), /globex/)
  await check(t, page, 'document-pending')
})

t.test('a failure group retried in bulk: the dry run counts what the action then changes', async (t) => {
  const page = await signedIn(t)
  await page.goto(`${origin}/admin/failures`)
  await check(t, page, 'failures')
  const group = page.getByRole('row').filter({ hasText: 'corrupt' })
  await Promise.all([page.waitForURL(/\/admin\/bulk\/new\?/), group.getByRole('link', { name: /retry/i }).click()])
  t.match(await page.locator('.dry-run').textContent(), 'This will retry 2 documents')
  await check(t, page, 'bulk-confirm')
  await page.getByLabel('Reason (kept in the audit log)').fill('the scanner was fixed')
  await Promise.all([page.waitForURL(/\/admin\/bulk\/[0-9a-f-]{36}$/), page.getByRole('button', { name: /^Confirm/ }).click()])
  const progress = page.url()
  // The workers' leader runs it; the page is reloaded until it says so.
  await waitFor(async () => {
    await page.goto(progress)
    return await page.locator('.bulk-status').first().textContent() === 'completed' ? true : undefined
  }, 'the bulk retry to complete')
  t.match(await page.locator('.counts').textContent(), /Changed\s*2/)
  await check(t, page, 'bulk-progress')
  await page.goto(`${origin}/admin/bulk`)
  await check(t, page, 'bulk-list')
})

t.test('retention and the audit log', async (t) => {
  const page = await signedIn(t)
  await page.goto(`${origin}/admin/retention`)
  await check(t, page, 'retention')
  await page.goto(`${origin}/admin/audit`)
  t.match(await page.locator('main').textContent(), /the scanner was fixed/, 'the bulk retry\'s reason is in the log')
  await check(t, page, 'audit')
})
