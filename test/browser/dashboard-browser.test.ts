import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { bearer, startTestService, type TestService } from '../helpers/test-service.js'
import { launchChromium, shouldRunBrowsers } from '../helpers/test-browsers.js'
import { setupOrFailEach } from '../helpers/test-redis.js'

const USER = { email: 'user@example.com', password: 'another password' }
const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' }
/** Stored straight into the database, as a row written by an older version or another tool could be: the API would never accept it. */
const HOSTILE_URL = 'https://example.org/<img src=x onerror="window.__pwned=1">'
const HOSTILE_TAG = '<img src=x onerror=window.__pwned=2>'

// The callbacks handed to page.evaluate run in the browser; this project's TypeScript lib has no DOM.
declare const window: any, document: any, sessionStorage: any, navigator: any

/**
 * The dashboard in Chromium, as a user works it: sign in, create a link through the form
 * (and be told why a bad one is refused), follow the short link in another browser context,
 * watch the numbers move on the link's page, export, sign out. Hostile text stored in a
 * link must stay text, and the CSP must report nothing.
 */
describe.runIf(shouldRunBrowsers())('the dashboard in a real browser', () => {
  let service: TestService
  let baseUrl: string
  let browser: Browser
  let humanUserAgent: string
  setupOrFailEach(async () => {
    service = await startTestService('sqlite', { CLICK_FLUSH_MS: '5', GEOIP_DB: 'off' })
    await service.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
    const user = await service.linkprint.auth.createUser(USER.email, USER.password, false)
    const now = Date.now()
    await service.linkprint.storage.links.createLink({ slug: 'hostile', url: HOSTILE_URL, userId: user.id, createdAt: now, updatedAt: now, expiresAt: null, maxClicks: null, redirectStatus: 302, tags: [HOSTILE_TAG] })
    const admins = await service.app.inject({ method: 'POST', url: '/api/links', headers: bearer(service.adminKey), payload: { url: 'https://example.org/admin-only', slug: 'adminonly' } })
    expect(admins.statusCode).toBe(201)
    browser = await launchChromium()
    // Headless Chromium says "HeadlessChrome", which isbot rightly flags; a person's Chrome does not.
    const probe = await browser.newPage()
    humanUserAgent = (await probe.evaluate(() => navigator.userAgent)).replace('HeadlessChrome', 'Chrome')
    await probe.close()
  })
  afterAll(async () => {
    await browser?.close()
    await service?.close()
  })

  /** A page that records CSP violations and page errors from its first script on. */
  async function dashboardPage(context: BrowserContext, before?: (page: Page) => Promise<void>): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage()
    await before?.(page)
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.addInitScript(() => {
      window.__violations = []
      document.addEventListener('securitypolicyviolation', (e: any) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`))
    })
    await page.goto(`${baseUrl}/dashboard`)
    return { page, errors }
  }

  async function signIn(page: Page, who: { email: string; password: string }) {
    await page.fill('#signin-email', who.email)
    await page.fill('#signin-password', who.password)
    await page.click('#signin-submit')
    await page.waitForSelector('#links-view:not([hidden])')
    await page.waitForFunction((email) => document.getElementById('who')?.textContent === email, who.email)
  }

  const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '')
  const slugs = (page: Page) => page.$$eval('#links-body tr', (rows) => rows.map((r) => r.getAttribute('data-slug')))

  it('signs in, creates a link, counts a visitor, exports, and forgets everything on sign-out', async () => {
    const context = await browser.newContext({ userAgent: humanUserAgent })
    const { page, errors } = await dashboardPage(context)
    // The page loads without a token and shows nothing but the sign-in form.
    expect(await page.isVisible('#signin-form')).toBe(true)
    expect(await page.isVisible('#links-view')).toBe(false)
    expect(await page.$$('#links-body tr')).toHaveLength(0)

    await page.fill('#signin-email', USER.email)
    await page.fill('#signin-password', 'wrong password')
    await page.click('#signin-submit')
    await page.waitForFunction(() => document.getElementById('signin-error')?.textContent !== '')
    expect(await text(page, '#signin-error')).toBe('Email or password is wrong.')

    await signIn(page, USER)
    // The token is in this tab's sessionStorage, not in a cookie or the URL.
    expect(await page.evaluate(() => sessionStorage.getItem('linkprint.dashboard.token'))).toMatch(/^ey/)
    expect((await context.cookies()).filter((c) => c.name !== 'device_fp')).toEqual([])
    expect(page.url()).not.toContain('ey')
    await page.waitForSelector('#links-body tr[data-slug="hostile"]')
    // A plain user sees their own links only, and no "every user's links" switch.
    expect(await slugs(page)).toEqual(['hostile'])
    expect(await page.isVisible('#filter-all-label')).toBe(false)

    // Hostile text stored in a link is shown as text: no element made of it, nothing ran.
    expect(await text(page, 'tr[data-slug="hostile"] td.url')).toBe(HOSTILE_URL)
    expect(await text(page, 'tr[data-slug="hostile"] .tag')).toBe(HOSTILE_TAG)
    expect(await page.$$('#links-body img')).toHaveLength(0)
    // The href is the URL as parsed, where the markup is percent-encoded: nothing in it is markup.
    expect(await page.$eval('tr[data-slug="hostile"] td.url a', (a) => a.getAttribute('href'))).toBe(new URL(HOSTILE_URL).href)

    // The API refuses a javascript: URL, and the form says why beside the field.
    await page.fill('#f-url', 'javascript:alert(1)')
    await page.click('#link-submit')
    await page.waitForFunction(() => document.getElementById('e-url')?.textContent !== '')
    expect(await text(page, '#e-url')).toContain('"javascript:" is not allowed')
    expect(await page.getAttribute('#f-url', 'aria-invalid')).toBe('true')
    // A reserved slug is refused beside the slug field.
    await page.fill('#f-url', 'https://example.org/')
    await page.fill('#f-slug', 'dashboard')
    await page.click('#link-submit')
    await page.waitForFunction(() => document.getElementById('e-slug')?.textContent !== '')
    expect(await text(page, '#e-slug')).toContain('reserved')
    expect(await text(page, '#e-url')).toBe('')

    // localhost is another host than the 127.0.0.1 the dashboard runs on, so not a self-reference.
    const target = `${baseUrl.replace('127.0.0.1', 'localhost')}/healthz`
    await page.fill('#f-url', target)
    await page.fill('#f-slug', 'spring')
    await page.fill('#f-maxClicks', '100')
    await page.selectOption('#f-redirectStatus', '307')
    await page.fill('#f-tags', 'news, spring 2026')
    await page.click('#link-submit')
    await page.waitForSelector('#links-body tr[data-slug="spring"]')
    expect(await text(page, '#notice')).toBe(`Created ${baseUrl}/spring.`)
    expect(await page.$$eval('tr[data-slug="spring"] .tag', (tags) => tags.map((t) => t.textContent))).toEqual(['news', 'spring 2026'])
    expect(await page.inputValue('#f-url')).toBe('')
    const created = (await service.app.inject({ url: '/api/links/spring', headers: bearer(service.adminKey) })).json()
    expect(created).toMatchObject({ url: target, maxClicks: 100, redirectStatus: 307, tags: ['news', 'spring 2026'] })

    // A visitor follows the short link twice in their own browser, and a headless crawler once.
    const visitor = await browser.newContext({ userAgent: humanUserAgent })
    const visit = await visitor.newPage()
    expect((await visit.goto(`${baseUrl}/spring`))?.url()).toBe(target)
    await visit.goto(`${baseUrl}/spring`)
    const crawler = await browser.newContext()
    await (await crawler.newPage()).goto(`${baseUrl}/spring`)
    await visitor.close()
    await crawler.close()
    await service.linkprint.writer.flush()

    // The link's page: the numbers of the last 7 days, a chart, the breakdowns.
    await page.click('tr[data-slug="spring"] td:first-child a')
    await page.waitForSelector('#link-view:not([hidden])')
    expect(page.url()).toBe(`${baseUrl}/dashboard#/links/spring`)
    await expect.poll(async () => {
      await page.click('#range-form button[type=submit]')
      await page.waitForTimeout(100)
      return text(page, '#s-clicks')
    }, { timeout: 10_000 }).toBe('2')
    expect(await text(page, '#s-browser')).toBe('1')
    expect(await text(page, '#s-device')).toBe('1')
    expect(await text(page, '#s-bots')).toBe('1')
    expect(await page.$$('#chart svg polyline')).toHaveLength(2)
    const bucketTitles = await page.$$eval('#chart svg rect.hover title', (ts) => ts.map((t) => t.textContent ?? ''))
    expect(bucketTitles.some((t) => t.includes('2 clicks') && t.includes('1 device uniques'))).toBe(true)
    expect(await page.$$eval('[data-breakdown] h3', (hs) => hs.map((h) => h.textContent))).toEqual(['Countries', 'Cities', 'Browsers', 'Operating systems', 'Device types', 'Languages', 'Referrers', 'How visitors were recognised', 'Bot clicks by reason'])
    expect(await page.$$eval('[data-breakdown="browsers"] tbody td', (tds) => tds.slice(0, 4).map((t) => t.textContent))).toEqual(['Chromium', '2', '1', '1'])
    // Where countries appear, so does the geo database's credit (CC BY 4.0).
    expect(await page.isVisible('#geo-credit')).toBe(true)
    expect(await text(page, '#link-meta')).toContain('Click limit100 clicks')
    // The hourly view of the last 24 hours says the same.
    await page.selectOption('#range', '24h')
    await page.waitForFunction(() => document.getElementById('chart-caption')?.textContent?.startsWith('hourly'))
    expect(await text(page, '#s-clicks')).toBe('2')

    // The export is fetched with the token and saved as a file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')])
    expect(download.suggestedFilename()).toBe('spring-clicks.csv')
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n')
    expect(csv[0]).toBe('id,ts,method,bot,botReason,referrerHost,userAgent,browserId,deviceId,confidence,identitySource,fingerprintVersion,country')
    expect(csv).toHaveLength(4)

    // The overview: every link's numbers, its top links, the breakdowns and the live panel's last 30 minutes.
    await page.click('a[href="#/overview"]')
    await page.waitForSelector('#overview-view:not([hidden])')
    await page.waitForFunction(() => document.getElementById('ov-clicks')?.textContent === '2')
    expect(await text(page, '#ov-device')).toBe('1')
    expect(await page.$$eval('#ov-top td', (tds) => tds.map((t) => t.textContent))).toEqual(['/spring', '2', '1', '1'])
    await page.waitForFunction(() => document.querySelectorAll('#live svg rect.bar').length === 30)
    expect(await page.$eval('#live svg text', (t) => t.textContent)).toContain('2 clicks in 30 minutes')

    // Back in the list, the same numbers per link.
    await page.click('a[href="#/links"]')
    await page.waitForFunction(() => document.querySelector('tr[data-slug="spring"] [data-stat="deviceUniqueClicks"]')?.textContent === '1')
    expect(await page.$$eval('tr[data-slug="spring"] td.num', (tds) => tds.map((t) => t.textContent))).toEqual(['2', '1', '1', '1'])

    // Edit: the form takes the link's values; only what changed is sent.
    await page.click('tr[data-slug="spring"] button[data-action="edit"]')
    expect(await page.inputValue('#f-url')).toBe(target)
    expect(await page.isDisabled('#f-slug')).toBe(true)
    await page.fill('#f-tags', 'news, edited')
    await page.click('#link-submit')
    await page.waitForFunction(() => document.getElementById('notice')?.textContent?.startsWith('Saved'))
    await page.waitForFunction(() => [...document.querySelectorAll('tr[data-slug="spring"] .tag')].map((t: any) => t.textContent).join() === 'news,edited')

    // Delete asks first; dismissing keeps the link, accepting removes it.
    page.once('dialog', (d) => void d.dismiss())
    await page.click('tr[data-slug="hostile"] button[data-action="delete"]')
    expect(await slugs(page)).toContain('hostile')
    page.once('dialog', (d) => void d.accept())
    await page.click('tr[data-slug="hostile"] button[data-action="delete"]')
    await page.waitForFunction(() => !document.querySelector('tr[data-slug="hostile"]'))
    expect((await service.app.inject({ url: '/api/links/hostile', headers: bearer(service.adminKey) })).statusCode).toBe(404)

    // Sign out: the data leaves the page and the tab, and a reload does not bring it back.
    await page.click('#sign-out')
    await page.waitForSelector('#signin-view:not([hidden])')
    expect(await text(page, '#notice')).toBe('Signed out.')
    expect(await page.evaluate(() => [sessionStorage.length, document.querySelectorAll('#links-body tr').length, document.getElementById('who')?.textContent])).toEqual([0, 0, ''])
    expect(await page.evaluate(() => document.body.textContent)).not.toContain('spring')
    await page.reload()
    await page.waitForSelector('#signin-view:not([hidden])')
    expect(await page.isVisible('#links-view')).toBe(false)

    expect(await page.evaluate(() => window.__pwned)).toBeUndefined()
    expect(await page.evaluate(() => window.__violations)).toEqual([])
    expect(errors).toEqual([])
    // And were the script to slip, Chromium would refuse to parse a string as HTML here.
    expect(await page.evaluate(() => {
      try {
        document.createElement('div').innerHTML = '<img src=x>'
        return 'parsed'
      } catch (e: any) {
        return e.name
      }
    })).toBe('TypeError')
    await context.close()
  }, 60_000)

  it('shows an admin every link, and a plain user only their own', async () => {
    const context = await browser.newContext({ userAgent: humanUserAgent })
    const { page, errors } = await dashboardPage(context)
    await signIn(page, ADMIN)
    expect(await page.isVisible('#admin-badge')).toBe(true)
    await page.waitForSelector('#links-body tr[data-slug="spring"]')
    // Newest first, the user's link among them (the first test deleted their other one).
    expect(await slugs(page)).toEqual(['spring', 'adminonly'])
    // Listing everyone's links, each shows its owner.
    expect(await page.isVisible('#owner-col')).toBe(true)
    expect(await page.$$eval('#links-body td.owner', (tds) => tds.map((t) => t.textContent))).toEqual(['user@example.com', 'admin@example.com'])
    // "Every user's links" off: the admin's own, and no owner column.
    await page.uncheck('#filter-all')
    await page.waitForFunction(() => document.querySelectorAll('#links-body tr').length === 1)
    expect(await slugs(page)).toEqual(['adminonly'])
    expect(await page.isVisible('#owner-col')).toBe(false)
    expect(await page.$$('#links-body td.owner')).toHaveLength(0)
    await page.click('#sign-out')
    await page.waitForSelector('#signin-view:not([hidden])')

    await signIn(page, USER)
    await page.waitForSelector('#links-body tr[data-slug="spring"]')
    expect(await slugs(page)).toEqual(['spring'])
    // Asking for the admin's link by its address finds nothing.
    await page.goto(`${baseUrl}/dashboard#/links/adminonly`)
    await page.waitForFunction(() => document.getElementById('notice')?.textContent !== '')
    expect(await text(page, '#notice')).toBe('No link of yours has the slug "adminonly".')
    expect(await text(page, '#link-meta')).toBe('')
    expect(await page.evaluate(() => window.__violations)).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)

  it('pages through the links as the API does, and filters them by tag', async () => {
    const key = await service.addUser('many@example.com')
    for (let i = 0; i < 23; i++) {
      const res = await service.app.inject({ method: 'POST', url: '/api/links', headers: bearer(key), payload: { url: `https://example.org/${i}`, slug: `many${i}`, tags: i % 5 === 0 ? ['fifth'] : [] } })
      expect(res.statusCode).toBe(201)
    }
    const context = await browser.newContext({ userAgent: humanUserAgent })
    const { page, errors } = await dashboardPage(context)
    const requests: string[] = []
    page.on('request', (r) => requests.push(new URL(r.url()).pathname + new URL(r.url()).search))
    await signIn(page, { email: 'many@example.com', password: 'another password' })
    await page.waitForSelector('#links-body tr[data-slug="many22"]')
    expect(await slugs(page)).toHaveLength(20)
    // A page of links and their numbers is one request, not one more per row.
    expect(requests.filter((r) => r.startsWith('/api/links'))).toEqual(['/api/links?limit=20&include=stats'])
    expect(await page.$$eval('tr[data-slug="many22"] td.num', (tds) => tds.map((t) => t.textContent))).toEqual(['0', '0', '0', '0'])
    expect(await page.isDisabled('#page-prev')).toBe(true)
    await page.click('#page-next')
    await page.waitForSelector('#links-body tr[data-slug="many0"]')
    expect(await slugs(page)).toEqual(['many2', 'many1', 'many0'])
    expect(await text(page, '#page-no')).toBe('Page 2')
    expect(await page.isDisabled('#page-next')).toBe(true)
    await page.click('#page-prev')
    await page.waitForSelector('#links-body tr[data-slug="many22"]')
    await page.fill('#filter-tag', 'fifth')
    await page.click('#filter-form button[type=submit]')
    await page.waitForFunction(() => document.querySelectorAll('#links-body tr').length === 5)
    expect(await slugs(page)).toEqual(['many20', 'many15', 'many10', 'many5', 'many0'])
    await page.fill('#filter-tag', 'nothing-has-this')
    await page.click('#filter-form button[type=submit]')
    await page.waitForSelector('#links-empty:not([hidden])')
    expect(await text(page, '#links-empty')).toBe('No link has this tag.')

    // Search, as one types: slug or URL, with the tag filter, and % taken as a character.
    const rowsAre = (expected: string[]) => expect.poll(() => slugs(page), { timeout: 5_000 }).toEqual(expected)
    await page.fill('#filter-tag', '')
    await page.fill('#filter-q', 'MANY1')
    await rowsAre(['many19', 'many18', 'many17', 'many16', 'many15', 'many14', 'many13', 'many12', 'many11', 'many10', 'many1'])
    await page.fill('#filter-tag', 'fifth')
    await page.click('#filter-form button[type=submit]')
    await rowsAre(['many15', 'many10'])
    await page.click('#filter-clear')
    await page.fill('#filter-q', 'example.org/2')
    await rowsAre(['many22', 'many21', 'many20', 'many2'])
    await page.fill('#filter-q', '%')
    await rowsAre([])
    expect(await text(page, '#links-empty')).toBe('No link matches this search.')
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)

  it('sends an expired or revoked token back to the sign-in form', async () => {
    const context = await browser.newContext({ userAgent: humanUserAgent })
    const { page } = await dashboardPage(context)
    await signIn(page, USER)
    // The list the sign-in loads must be in: revoked while it is in flight, the tab would sign out before the click below.
    await page.waitForLoadState('networkidle')
    // Another tab's sign-out revokes the session; this tab finds out on its next call.
    const token = await page.evaluate(() => sessionStorage.getItem('linkprint.dashboard.token'))
    const sessionId = await page.evaluate(() => sessionStorage.getItem('linkprint.dashboard.sessionId'))
    expect((await service.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...bearer(token!), 'x-session-id': sessionId! } })).statusCode).toBe(204)
    await page.click('#links-refresh')
    await page.waitForSelector('#signin-view:not([hidden])')
    expect(await text(page, '#notice')).toMatch(/^You have been signed out: /)
    expect(await page.evaluate(() => [sessionStorage.length, document.querySelectorAll('#links-body tr').length])).toEqual([0, 0])

    // A copy of the tab's token and session id renewed elsewhere (stolen): the tab's next call
    // is refused, and its sign-out shows the server the replayed pair, which ends the copy's session.
    await signIn(page, USER)
    await page.waitForLoadState('networkidle')
    const [held, heldSession] = await page.evaluate(() => [sessionStorage.getItem('linkprint.dashboard.token'), sessionStorage.getItem('linkprint.dashboard.sessionId')])
    const stolen = await service.app.inject({ method: 'POST', url: '/api/auth/refresh', headers: { ...bearer(held!), 'x-session-id': heldSession! } })
    expect(stolen.statusCode).toBe(200)
    expect((await service.app.inject({ url: '/api/auth/me', headers: bearer(stolen.json().token) })).statusCode).toBe(200)
    await page.click('#links-refresh')
    await page.waitForSelector('#signin-view:not([hidden])')
    await expect.poll(async () => (await service.app.inject({ url: '/api/auth/me', headers: bearer(stolen.json().token) })).statusCode, { timeout: 5_000 }).toBe(401)
    await context.close()
  }, 60_000)

  it('renews the sign-in shortly before it expires while the tab is open, and signs out when renewal is refused', async () => {
    const context = await browser.newContext({ userAgent: humanUserAgent })
    // The page's clock is the test's: fifteen minutes pass in a moment; the server's time is real.
    const { page, errors } = await dashboardPage(context, (p) => p.clock.install())
    await signIn(page, USER)
    await page.waitForSelector('#links-body tr[data-slug="spring"]')
    const held = () => page.evaluate(() => [sessionStorage.getItem('linkprint.dashboard.token'), sessionStorage.getItem('linkprint.dashboard.sessionId')])
    const [firstToken, firstSession] = await held()

    // Nothing happens long before the expiry.
    await page.clock.fastForward('10:00')
    expect(await held()).toEqual([firstToken, firstSession])
    // Two minutes before it, the token is renewed and the session id rotated.
    await page.clock.fastForward('03:30')
    await expect.poll(async () => (await held())[0], { timeout: 5_000 }).not.toBe(firstToken)
    const [secondToken, secondSession] = await held()
    expect(secondSession).not.toBe(firstSession)
    expect((await service.app.inject({ url: '/api/auth/me', headers: bearer(firstToken!) })).statusCode).toBe(401)
    expect((await service.app.inject({ url: '/api/auth/me', headers: bearer(secondToken!) })).json().email).toBe(USER.email)
    // The page goes on working with the new token, and renews it again in time.
    await page.click('#links-refresh')
    await page.waitForSelector('#links-body tr[data-slug="spring"]')
    expect(await page.isVisible('#links-view')).toBe(true)
    await page.clock.fastForward('13:30')
    await expect.poll(async () => (await held())[0], { timeout: 5_000 }).not.toBe(secondToken)

    // Signed out elsewhere: the next renewal is refused, and the tab signs out cleanly.
    const [token, sessionId] = await held()
    expect((await service.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...bearer(token!), 'x-session-id': sessionId! } })).statusCode).toBe(204)
    await page.clock.fastForward('13:30')
    await page.waitForSelector('#signin-view:not([hidden])')
    expect(await text(page, '#notice')).toMatch(/^You have been signed out: /)
    expect(await page.evaluate(() => [sessionStorage.length, document.querySelectorAll('#links-body tr').length])).toEqual([0, 0])
    expect(await page.evaluate(() => window.__violations)).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)

  it('opens a link on an added domain as that link, not the default domain\'s of the same slug', async () => {
    expect((await service.app.inject({ method: 'POST', url: '/api/domains', headers: bearer(service.adminKey), payload: { host: 'go.example' } })).statusCode).toBe(201)
    for (const [domain, url] of [[undefined, 'https://example.org/default-twin'], ['go.example', 'https://example.org/branded-twin']] as const) {
      const created = await service.app.inject({ method: 'POST', url: '/api/links', headers: bearer(service.adminKey), payload: { url, slug: 'twin', ...(domain && { domain }) } })
      expect(created.statusCode).toBe(201)
    }
    const context = await browser.newContext({ userAgent: humanUserAgent })
    const { page, errors } = await dashboardPage(context)
    await signIn(page, ADMIN)
    await page.waitForSelector('#links-body tr[data-slug="twin"] a[href*="domain=go.example"]')
    await page.click('#links-body tr[data-slug="twin"] a[href*="domain=go.example"]')
    await page.waitForFunction(() => document.getElementById('link-meta')?.textContent?.includes('branded-twin'))
    expect(await text(page, '#link-meta')).not.toContain('default-twin')
    // Its analytics load for that link: no error under the range picker.
    await page.waitForSelector('#breakdowns section')
    expect(await text(page, '#range-error')).toBe('')
    expect(await page.evaluate(() => window.__violations)).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  }, 120_000)

  it('opens the fingerprint monitor with the dashboard\'s sign-in, and rolls back and migrates from its buttons', async () => {
    const context = await browser.newContext({ userAgent: humanUserAgent })
    const { page, errors } = await dashboardPage(context)
    await signIn(page, ADMIN)
    page.on('dialog', (dialog) => void dialog.accept())
    await page.click('#monitor-nav a')
    await page.waitForSelector('h1:has-text("Robust fingerprint monitor")')
    // No token to paste: the tab's sign-in opened it.
    expect(await page.$('#token-form')).toBeNull()
    const served = () => page.$eval('strong', (e) => e.textContent)
    expect(await served()).toBe('robust')
    await page.click('#rollback')
    await page.waitForFunction(() => document.querySelector('strong')?.textContent === 'legacy')
    await page.click('#migrate')
    // The job runs, its progress polled every second, and the page shows the robust numbers again when it is done.
    await page.waitForFunction(() => document.querySelector('strong')?.textContent === 'robust' && document.getElementById('job-state')?.dataset.state === 'done', undefined, { timeout: 90_000 })
    expect(await page.$eval('#job-progress', (e) => e.value)).toBe(100)
    expect(await text(page, '#migration-message')).toBe('')
    expect(errors).toEqual([])
    await context.close()
  }, 120_000)
})
