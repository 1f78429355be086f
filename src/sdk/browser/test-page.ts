import type { Components } from './device-signals.js'
import type { Linkprint } from './linkprint-sdk.js'

/**
 * The script of `/dashboard/test-enhanced-fingerprint` (seed 004's test page), served from
 * this origin under a CSP without inline script. Everything the page shows goes in
 * through textContent: no value from the browser or the server is ever parsed as HTML.
 */
interface ServerView {
  privacyMode: string
  sdkHeadersCount: boolean
  request: { source: string; timezone: string | null; deviceFingerprint: boolean; browserFingerprint: boolean; rejected: Array<{ signal: string; reason: string }> } | null
  browser: {
    browserId: string; deviceId: string; confidence: number; correlationType: string | null; factors: string[]; sdk: { device: boolean; browser: boolean }
    browserName: string | null; osName: string | null; deviceType: string; firstSeen: string; lastSeen: string; contextsInBrowser: number; contextsInDevice: number
  } | null
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T | null

function text(id: string, value: unknown): void {
  const el = $(id)
  if (el) el.textContent = value === null || value === undefined || value === '' ? '–' : String(value)
}

function rows(id: string, entries: ReadonlyArray<readonly [string, unknown]>): void {
  const table = $<HTMLTableElement>(id)
  if (!table) return
  table.replaceChildren(...entries.map(([name, value]) => {
    const tr = document.createElement('tr')
    const th = document.createElement('th')
    th.textContent = name
    const td = document.createElement('td')
    const code = document.createElement('code')
    code.textContent = value === null || value === undefined || value === '' ? '–' : typeof value === 'string' ? value : JSON.stringify(value)
    td.append(code)
    tr.append(th, td)
    return tr
  }))
}

function components(id: string, values: Components): void {
  rows(id, Object.entries(values))
}

async function showFingerprints(lp: Linkprint): Promise<void> {
  const withheld = lp.withheld()
  text('privacy-state', withheld === 'opted_out'
    ? 'This browser sends Global Privacy Control or Do Not Track: the SDK computes and sends no fingerprint, and the server handles it as strict.'
    : withheld === 'consent_required'
      ? 'Nothing has been computed or stored yet. Start the test to compute this browser’s fingerprints (they stay in this browser’s localStorage).'
      : 'Fingerprints are computed in this browser and sent with its requests to this server.')
  const consent = $<HTMLButtonElement>('consent')
  if (consent) consent.hidden = withheld !== 'consent_required'
  if (withheld) return
  const stored = await lp.fingerprint()
  const live = await lp.generate()
  if (!stored || !live) return
  text('device-hash', live.device)
  text('browser-hash', live.browser)
  text('stored', stored.device === live.device && stored.browser === live.browser
    ? `the same as stored in localStorage (version ${stored.version}, made ${new Date(stored.createdAt).toISOString()})`
    : `differs from the stored one (${stored.device} / ${stored.browser}): the SDK keeps sending the stored one until its version or this browser changes`)
  components('device-components', live.components.device)
  components('browser-components', live.components.browser)
}

async function showServer(lp: Linkprint): Promise<void> {
  text('server-state', 'Asking the server…')
  try {
    const res = await lp.fetch(`${lp.server}/api/visitor/identity`, { cache: 'no-store' })
    const body = (await res.json()) as ServerView & { error?: { code: string; message: string } }
    if (!res.ok) {
      text('server-state', `${body.error?.code ?? res.status}: ${body.error?.message ?? ''}`)
      return
    }
    text('server-state', body.browser
      ? 'The identity engine knows this browser from a click:'
      : 'The identity engine has not seen this browser click a link yet: follow the test link below, then come back.')
    const r = body.request
    const b = body.browser
    rows('server', [
      ['privacy mode for this browser', body.privacyMode],
      ['SDK hashes count on clicks', body.sdkHeadersCount ? 'yes' : 'no (the server runs with PRIVACY_MODE other than full, or this browser sent GPC/DNT)'],
      ['this request identified by', r ? r.source : 'a signed-in token (no fingerprint work)'],
      ['fingerprint headers accepted', r ? `device ${r.deviceFingerprint ? 'yes' : 'no'}, browser ${r.browserFingerprint ? 'yes' : 'no'}` : null],
      ['time zone', r?.timezone ?? null],
      ['signals refused', r && r.rejected.length > 0 ? r.rejected.map((x) => `${x.signal}: ${x.reason}`).join(', ') : null],
      ...(b
        ? ([
            ['browser id', b.browserId],
            ['device cluster id', b.deviceId],
            ['confidence', b.confidence],
            ['correlation', b.correlationType],
            ['joined by', b.factors.join(', ')],
            ['SDK hashes on its first click', `device ${b.sdk.device ? 'yes' : 'no'}, browser ${b.sdk.browser ? 'yes' : 'no'}`],
            ['browser, OS, device type', `${b.browserName ?? '?'}, ${b.osName ?? '?'}, ${b.deviceType}`],
            ['cookie jars in this browser / device', `${b.contextsInBrowser} / ${b.contextsInDevice}`],
            ['first seen', b.firstSeen],
            ['last seen', b.lastSeen],
          ] as const)
        : []),
    ])
  } catch (error) {
    text('server-state', `The server could not be asked: ${String(error)}`)
  }
}

function start(): void {
  const lp = window.linkprint
  if (!lp) {
    text('privacy-state', 'The SDK did not load.')
    return
  }
  $('consent')?.addEventListener('click', () => {
    lp.grantConsent()
    void showFingerprints(lp).then(() => showServer(lp))
  })
  $('regenerate')?.addEventListener('click', () => void showFingerprints(lp))
  $('refresh-server')?.addEventListener('click', () => void showServer(lp))
  $('follow-form')?.addEventListener('submit', (event) => {
    event.preventDefault()
    const link = $<HTMLInputElement>('link')?.value.trim() ?? ''
    if (!link) return
    // A bare slug is a short link of this server.
    void lp.follow(/^[A-Za-z0-9_-]{1,64}$/.test(link) ? `${lp.server}/${link}` : link)
  })
  // data-ready tells a waiting test (or a curious user) that both sections are filled in.
  void showFingerprints(lp).then(() => showServer(lp)).finally(() => {
    document.documentElement.dataset.ready = 'true'
  })
}

start()
