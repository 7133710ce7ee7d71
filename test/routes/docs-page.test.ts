import t from 'tap'
import type { Page } from 'playwright-core'
import { axe, launchBrowser, openPage, pageProblems } from '../helpers/browser.js'
import { TestContext } from '../helpers/context.js'

// Launched first: without Chromium the file fails at once, saying how to install it.
const browser = await launchBrowser(t)
const context = TestContext.create(t)
const stack = await context.stack()
const app = await context.app(stack)
const origin = await app.listen({ host: '127.0.0.1', port: 0 })

// Fixture pages are answered by the test itself, on an origin no real server has.
const fixtureOrigin = 'http://fixture.test'
const pixel = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'

function fixtureDocument (body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fixture</title></head><body><main><h1>Fixture</h1>${body}</main></body></html>`
}

/** Serves `files` (path → [content type, body]) under the fixture origin, with `csp` as their policy. */
async function serveFixtures (page: Page, files: Record<string, [string, string]>, csp = ''): Promise<void> {
  await page.route(`${fixtureOrigin}/**`, async (route) => {
    const file = files[new URL(route.request().url()).pathname]
    if (file === undefined) return await route.fulfill({ status: 404, body: '' })
    await route.fulfill({ status: 200, contentType: file[0], headers: csp === '' ? {} : { 'content-security-policy': csp }, body: file[1] })
  })
}

// Swagger UI's bundle tries to apply one inline <style> while it renders; our CSP blocks it and
// the page works without it. Allowed by that style's hash and by the file that adds it, so any
// other violation, or another inline style, still fails the test.
const swaggerInlineStyle = [
  /^CSP violation: .*'sha256-RL3ie0nH\+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='/,
  /^CSP violation: style-src-elem blocked inline \(\S+\/docs\/static\/swagger-ui-bundle\.js:\d+\)$/
]

t.test('/docs (Swagger UI) loads under our CSP with no other violation and no console error', async (t) => {
  // Swagger UI is third-party markup we do not control, so axe is not asserted on it. What is
  // asserted is openPage's watch: its teardown fails this test on any console error, uncaught
  // error or CSP violation but the one above.
  const page = await openPage(t, browser, { allow: swaggerInlineStyle })
  const response = await page.goto(`${origin}/docs`)
  t.equal(response?.status(), 200)
  // Rendered from the spec it fetched from /docs/json: the API's title and its operations show.
  await page.locator('.opblock-summary-path', { hasText: '/documents' }).first().waitFor()
  t.match(await page.locator('.title').first().textContent(), /docqueue/)
})

t.test('axe reports an image without alternative text, and passes it once it has one', async (t) => {
  const page = await openPage(t, browser)
  await serveFixtures(page, {
    '/missing-alt.html': ['text/html', fixtureDocument(`<img src="${pixel}">`)],
    '/with-alt.html': ['text/html', fixtureDocument(`<img src="${pixel}" alt="Completions per minute">`)]
  })
  await page.goto(`${fixtureOrigin}/missing-alt.html`)
  const violations = await axe(page)
  t.same(violations.map((violation) => [violation.rule, violation.targets]), [['image-alt', ['img']]], 'the one violation, with its element')
  t.equal(violations[0]?.impact, 'critical')

  await page.goto(`${fixtureOrigin}/with-alt.html`)
  t.same(await axe(page), [])
})

const misbehaving = {
  '/misbehaving.html': ['text/html', fixtureDocument(
    '<p style="color: red">inline style</p><script>document.title = "inline script ran"</script><script src="/noisy.js"></script>'
  )] as [string, string],
  '/noisy.js': ['text/javascript', 'document.body.dataset.scripted = "yes"; console.error("noisy fixture"); throw new Error("fixture failure")'] as [string, string]
}
const strictPolicy = "default-src 'none'; script-src 'self'; style-src 'self'"

t.test('the page watch records console errors, page errors and CSP violations', async (t) => {
  const page = await openPage(t, browser, { allow: [/noisy fixture/, /fixture failure/, /^CSP violation: /] })
  await serveFixtures(page, misbehaving, strictPolicy)
  await page.goto(`${fixtureOrigin}/misbehaving.html`)
  await page.waitForFunction(() => document.body.dataset.scripted === 'yes')
  t.not(await page.title(), 'inline script ran', 'the CSP blocked the inline script')
  const problems = pageProblems(page)
  t.ok(problems.includes('console error: noisy fixture'), 'a console error', { problems })
  t.ok(problems.includes('page error: fixture failure'), 'an uncaught error', { problems })
  t.ok(problems.some((problem) => /^CSP violation: script-src-elem blocked inline \(http:\/\/fixture\.test\/misbehaving\.html:1\)$/.test(problem)), 'the inline script, as a DOM event', { problems })
  t.ok(problems.some((problem) => /^CSP violation: style-src-attr blocked inline/.test(problem)), 'the inline style, as a DOM event', { problems })
  t.ok(problems.some((problem) => /^CSP violation: .*inline script.*script-src 'self'/.test(problem)), 'the inline script, on the console', { problems })
})

t.test('with JavaScript off no script runs, and CSP violations are still recorded', async (t) => {
  const inlineStyle = /^CSP violation: .*inline style.*style-src 'self'/
  const page = await openPage(t, browser, { javaScript: false, allow: [inlineStyle] })
  await serveFixtures(page, misbehaving, strictPolicy)
  await page.goto(`${fixtureOrigin}/misbehaving.html`)
  t.equal(await page.locator('body').getAttribute('data-scripted'), null, 'the script did not run')
  const problems = pageProblems(page)
  t.ok(problems.some((problem) => inlineStyle.test(problem)), 'the inline style was refused, as the console reports it', { problems })
  t.same(problems.filter((problem) => !inlineStyle.test(problem)), [], 'nothing ran to log or throw')
  await t.rejects(axe(page), /JavaScript on/, 'axe refuses a page it could never finish on')
})
