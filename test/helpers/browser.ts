// A file that opens a browser is checked for what it leaves open, the browser process first.
import './leak-check.js'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { AxeBuilder } from '@axe-core/playwright'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { Test } from 'tap'

/**
 * Real Chromium for end-to-end tests: Debian's package, never a browser downloaded by
 * Playwright, so that CI and laptops test what an operator runs.
 */

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// No sandbox: tests run as root in containers, where Chromium's sandbox cannot start. The rest
// keeps Chromium from calling home or updating itself while a test runs.
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/**
 * Launches Chromium for the whole test file `t` and closes it at `t`'s teardown. Launching costs
 * seconds on a busy machine: call it once per file and open a page per subtest.
 */
export async function launchBrowser (t: Test): Promise<Browser> {
  try {
    await access(executablePath, constants.X_OK)
  } catch {
    throw new Error(`Chromium is not installed at ${executablePath}: install Debian's package (apt-get install -y chromium), or set CHROMIUM_PATH to a Chromium binary`)
  }
  const browser = await chromium.launch({ executablePath, headless: true, args: chromiumFlags })
  t.teardown(async () => { await browser.close() })
  return browser
}

export interface PageOptions {
  /** false runs the page as a browser with JavaScript turned off does, for the no-JS checks. */
  javaScript?: boolean
  /** Problems the page is expected to have; any other fails the test. */
  allow?: RegExp[]
}

// The name under which the page reports a CSP violation to the test.
const cspReporter = 'reportCspViolation'

// Problems recorded for each page opened by `openPage`, allowed ones included.
const recorded = new WeakMap<Page, string[]>()
// Pages opened with JavaScript off, on which axe-core (itself a script) would wait forever.
const withoutJavaScript = new WeakSet<Page>()

/**
 * A page in a fresh browser context (its own cookies and storage), closed at `t`'s teardown.
 * Every console error, uncaught page error and CSP violation is recorded; at teardown `t` fails
 * naming each one not matched by `options.allow`. A CSP violation shows both as a DOM event
 * (only with JavaScript on) and as a console error from Chromium (always).
 */
export async function openPage (t: Test, browser: Browser, options: PageOptions = {}): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: options.javaScript ?? true })
  const page = await context.newPage()
  const problems: string[] = []
  recorded.set(page, problems)
  if (options.javaScript === false) withoutJavaScript.add(page)
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    // Chromium also reports each CSP violation on the console ("Refused to ...", or "Applying
    // inline style violates ..." in newer versions), even with JavaScript off.
    const text = message.text()
    problems.push(/Content Security Policy/.test(text) ? `CSP violation: ${text}` : `console error: ${text}`)
  })
  page.on('pageerror', (error) => { problems.push(`page error: ${error.message}`) })
  await page.exposeFunction(cspReporter, (violation: string) => { problems.push(`CSP violation: ${violation}`) })
  // Runs in every document before its own scripts; evaluated by the browser, not the page, so
  // the page's CSP does not block it.
  await page.addInitScript((reporter: string) => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as Record<string, (violation: string) => void>)[reporter]
      const where = event.sourceFile === '' ? '' : ` (${event.sourceFile}:${event.lineNumber})`
      report(`${event.effectiveDirective} blocked ${event.blockedURI}${where}`)
    }, true)
  }, cspReporter)
  t.teardown(async () => {
    await context.close()
    const unexpected = problems.filter((problem) => !(options.allow ?? []).some((allowed) => allowed.test(problem)))
    if (unexpected.length > 0) throw new Error(`the page had ${unexpected.length} unexpected problem(s):\n${unexpected.map((problem) => `  - ${problem}`).join('\n')}`)
  })
  return page
}

/** What `openPage` recorded on `page` so far, allowed problems included. */
export function pageProblems (page: Page): string[] {
  return [...(recorded.get(page) ?? [])]
}

/** An accessibility violation as axe reports it, with the elements that have it. */
export interface AxeViolation {
  rule: string
  impact: string
  help: string
  targets: string[]
}

/**
 * Runs axe-core on `page` against WCAG 2.0 and 2.1, levels A and AA, and returns its violations;
 * `t.same(await axe(page), [])` then names each rule and the elements that break it.
 */
export async function axe (page: Page): Promise<AxeViolation[]> {
  if (withoutJavaScript.has(page)) throw new Error('axe-core runs as a script in the page: check a page opened with JavaScript on')
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  return results.violations.map((violation) => ({
    rule: violation.id,
    impact: violation.impact ?? 'unknown',
    help: violation.help,
    targets: violation.nodes.map((node) => node.target.join(' '))
  }))
}
