import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { launchChromium, shouldRunBrowsers } from '../helpers/test-browsers.js'
import { setupOrFailEach } from '../helpers/test-redis.js'
import { startTestService, type TestService } from '../helpers/test-service.js'

declare const window: any, document: any

/** /api/docs in Chromium: Swagger UI renders the document from this origin, and its CSP reports nothing. */
describe.runIf(shouldRunBrowsers())('the API reference in a real browser', () => {
  let service: TestService
  let baseUrl: string
  let browser: Browser
  setupOrFailEach(async () => {
    service = await startTestService('sqlite', { GEOIP_DB: 'off' })
    await service.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await service?.close()
  })

  it('lists the operations, loads nothing from another origin, and violates no CSP directive', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    const foreign: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('request', (r) => {
      if (!r.url().startsWith(baseUrl) && !r.url().startsWith('data:')) foreign.push(r.url())
    })
    await page.addInitScript(() => {
      window.__violations = []
      document.addEventListener('securitypolicyviolation', (e: any) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`))
    })
    await page.goto(`${baseUrl}/api/docs`)
    await page.waitForSelector('.opblock-summary-path[data-path="/api/links"]')
    // Open one operation, so the model views and their style attributes render too.
    await page.click('.opblock-post .opblock-summary-path[data-path="/api/links"]')
    await page.waitForSelector('.opblock-post.is-open .opblock-body')
    expect(await page.$$eval('.opblock', (blocks) => blocks.length)).toBeGreaterThan(20)
    expect(await page.locator('.scheme-container .authorize').count()).toBe(1)
    expect(await page.evaluate(() => window.__violations)).toEqual([])
    expect(errors).toEqual([])
    expect(foreign).toEqual([])
  }, 120_000)
})
