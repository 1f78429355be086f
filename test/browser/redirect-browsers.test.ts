import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'
import { launchChromium, launchFirefox, shouldRunBrowsers } from '../helpers/test-browsers.js'
import { setupOrFailEach } from '../helpers/test-redis.js'

/**
 * Seed 004's scenarios with real browsers on one machine, through plain redirects (no SDK,
 * no JavaScript): what a short link sees when someone clicks it in Chromium, again, in an
 * incognito window, and then in Firefox.
 */
describe.runIf(shouldRunBrowsers())('real browsers following a short link', () => {
  let service: TestService
  let baseUrl: string
  setupOrFailEach(async () => {
    service = await startTestService('sqlite', { CLICK_FLUSH_MS: '5' })
    await service.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
    const created = await service.app.inject({ method: 'POST', url: '/api/links', headers: bearer(service.adminKey), payload: { url: `${baseUrl}/healthz`, slug: 'real' } })
    expect(created.statusCode).toBe(201)
  })
  afterAll(async () => service?.close())

  const stats = async () => {
    await service.linkprint.writer.flush()
    return (await service.app.inject({ url: '/api/links/real/stats', headers: bearer(service.adminKey) })).json()
  }

  it('sets the device cookie, flags headless Chromium as a bot, and reads no reopen into one of two windows it cannot tell apart', async () => {
    const chromium = await launchChromium()
    try {
      // Headless Chromium says "HeadlessChrome" in its user agent, which is rightly a bot.
      const headless = await chromium.newContext()
      await (await headless.newPage()).goto(`${baseUrl}/real`)
      expect(await headless.cookies()).toEqual([])
      expect(await stats()).toMatchObject({ clicks: 0, botClicks: 1 })

      const userAgent = (await chromium.newPage().then((p) => p.evaluate<string>('navigator.userAgent'))).replace('HeadlessChrome', 'Chrome')
      const normal = await chromium.newContext({ userAgent })
      const page = await normal.newPage()
      const first = await page.goto(`${baseUrl}/real`)
      expect(first?.url()).toBe(`${baseUrl}/healthz`)
      const cookie = (await normal.cookies()).find((c) => c.name === 'device_fp')
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
      await page.goto(`${baseUrl}/real`)
      expect(await stats()).toMatchObject({ clicks: 2, browserUniqueClicks: 1, deviceUniqueClicks: 1, botClicks: 1 })

      // A new context is Chromium's incognito: an empty cookie jar. Through a plain redirect
      // it shows nothing but the address and the user agent another member of the household
      // could share, so it is a new browser and, honestly, a new device (the SDK links it).
      const incognito = await chromium.newContext({ userAgent })
      await (await incognito.newPage()).goto(`${baseUrl}/real`)
      expect(await stats()).toMatchObject({ clicks: 3, browserUniqueClicks: 2, deviceUniqueClicks: 2 })
    } finally {
      await chromium.close()
    }

    const firefox = await launchFirefox()
    try {
      const page = await firefox.newPage()
      const response = await page.goto(`${baseUrl}/real`)
      expect(response?.url()).toBe(`${baseUrl}/healthz`)
    } finally {
      await firefox.close()
    }
    // Another browser on the same OS, the same quiet address, minutes later: a reopen — but two
    // Chromium windows the engine could not tell apart (the normal one and the incognito one,
    // two devices for all it knows) clicked the link just now, so which device reopened it is
    // unknown: a new device, honestly, as for two people of one home. (The reopen itself, with
    // one such window, is test/identity/correlation-rules.test.ts; with the SDK, sdk-browsers.)
    expect(await stats()).toMatchObject({ clicks: 4, browserUniqueClicks: 3, deviceUniqueClicks: 3 })
  })
})
