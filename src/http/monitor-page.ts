import { html, raw } from 'hono/html'
import { pageCsp } from './page-security.js'

/** A piece of the page built by hono's `html`: every value in it was escaped, pieces nest unescaped. */
type Fragment = ReturnType<typeof html>

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.25rem 0 .75rem}th,td{text-align:left;padding:.2rem .45rem;border-bottom:1px solid #eee;vertical-align:top}
th{font-weight:600;background:#f6f6f7}code{font:12px ui-monospace,monospace;word-break:break-all}.muted{color:#6e6e73}progress{width:100%}.state{font-weight:600}.state-running{color:#b25000}.state-done{color:#1a7f37}.state-failed{color:#c00}
form{margin:1rem 0}input[type=password]{width:28rem;max-width:100%;padding:.3rem}button{padding:.3rem .8rem;margin-left:.3rem}footer{margin-top:2rem;font-size:12px}`

export const MONITOR_PATH = '/admin/robust-fingerprint-monitor'
export const MONITOR_SCRIPT_PATH = '/admin/robust-fingerprint-monitor.js'

export const MONITOR_CSP = pageCsp(STYLE, { images: true })

/**
 * The page's one script, served from MONITOR_SCRIPT_PATH (no inline script anywhere).
 * A browser cannot send `Authorization` on a navigation, so the script fetches the page
 * with the token the dashboard's sign-in keeps in this tab's sessionStorage (the dashboard
 * links here in the same tab); without one, the refusal page points at the dashboard and
 * also takes a pasted admin API key. The server-rendered answer replaces the body as
 * parsed HTML — everything in it was escaped on the server. Migrate and rollback POST to
 * the migration API with the same token; a running job's progress is read every second.
 */
export const MONITOR_SCRIPT = `'use strict'
;(() => {
  const KEY = 'linkprint.monitor.token'
  const DASHBOARD_KEY = 'linkprint.dashboard.token'
  const API = '/api/admin/migrate-fingerprinting'
  const token = () => sessionStorage.getItem(DASHBOARD_KEY) || sessionStorage.getItem(KEY)
  let polling = null
  async function load(value) {
    const res = await fetch(location.pathname, { headers: { authorization: 'Bearer ' + value }, credentials: 'same-origin', cache: 'no-store' })
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html')
    if (res.ok) { if (value !== sessionStorage.getItem(DASHBOARD_KEY)) sessionStorage.setItem(KEY, value) }
    else sessionStorage.removeItem(KEY)
    document.title = doc.title
    document.body.replaceWith(document.adoptNode(doc.body))
    bind()
  }
  function show(job) {
    const state = document.getElementById('job-state')
    const bar = document.getElementById('job-progress')
    if (!state || !bar) return
    const pct = job.total > 0 ? Math.min(100, Math.round(job.processed / job.total * 100)) : job.state === 'done' ? 100 : 0
    state.textContent = job.state + ': ' + job.processed + ' of ' + job.total + ' clicks' + (job.error ? ' (' + job.error + ')' : '')
    bar.value = pct
    bar.textContent = pct + '%'
  }
  async function migration(method, action) {
    const res = await fetch(API, { method, headers: Object.assign({ authorization: 'Bearer ' + token() }, action ? { 'content-type': 'application/json' } : {}), body: action ? JSON.stringify({ action }) : undefined, cache: 'no-store' })
    const body = await res.json().catch(() => null)
    const message = document.getElementById('migration-message')
    if (!res.ok) { if (message) message.textContent = (body && body.error && body.error.message) || ('HTTP ' + res.status); return null }
    if (message) message.textContent = ''
    show(body.job)
    return body
  }
  function poll() {
    if (polling) return
    polling = setInterval(async () => {
      const status = await migration('GET')
      if (!status || (status.job.state !== 'running' && status.job.state !== 'starting')) { clearInterval(polling); polling = null; const t = token(); if (t) load(t) }
    }, 1000)
  }
  function bind() {
    const form = document.getElementById('token-form')
    if (form) form.addEventListener('submit', (e) => {
      e.preventDefault()
      const value = document.getElementById('token').value.trim()
      if (value) load(value)
    })
    const refresh = document.getElementById('refresh')
    if (refresh) refresh.addEventListener('click', () => { const t = token(); if (t) load(t); else location.reload() })
    const forget = document.getElementById('forget')
    if (forget) forget.addEventListener('click', () => { sessionStorage.removeItem(KEY); location.reload() })
    for (const [id, action, question] of [['migrate', 'migrate', 'Recompute every stored click with the current algorithm?'], ['rollback', 'rollback', 'Serve the legacy numbers again?']]) {
      const button = document.getElementById(id)
      if (button) button.addEventListener('click', async () => {
        if (!confirm(question)) return
        const status = await migration('POST', action)
        if (status && action === 'migrate') poll()
        else if (status) { const t = token(); if (t) load(t) }
      })
    }
    const state = document.getElementById('job-state')
    if (state && (state.dataset.state === 'running' || state.dataset.state === 'starting')) poll()
  }
  bind()
  const saved = token()
  if (saved && document.getElementById('token-form')) load(saved)
})()
`

function htmlDocument(title: string, body: Fragment | Array<Fragment | Fragment[]>): string {
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${title} · linkprint</title><style>${raw(STYLE)}</style><script src="${MONITOR_SCRIPT_PATH}" defer></script></head><body>${body}</body></html>`)
}

/** What a visitor without an admin credential gets: no data, a form for a token. */
export function refusalPage(status: 401 | 403): string {
  const text = status === 401 ? 'This page is for administrators. Sign in on the dashboard and open it from there, or enter an admin API key; it stays in this browser tab only.' : 'Your credentials are valid but not an administrator’s.'
  return htmlDocument('Robust fingerprint monitor', html`<h1>Robust fingerprint monitor</h1><p>${text}</p><p><a href="/dashboard">Sign in on the dashboard</a></p>
<form id="token-form" autocomplete="off"><label>Admin token <input type="password" id="token" required maxlength="4096"></label><button type="submit">Open</button></form>`)
}

type Cell = string | number | boolean | null | undefined
type Row = Record<string, Cell>

function table(rows: readonly Row[], columns: ReadonlyArray<readonly [key: string, label: string]>, empty = 'Nothing yet.'): Fragment {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`
  return html`<table><thead><tr>${columns.map(([, label]) => html`<th>${label}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${columns.map(([key]) => html`<td>${cell(r[key])}</td>`)}</tr>`)}</tbody></table>`
}

function cell(value: Cell): Fragment | string {
  if (value === null || value === undefined || value === '') return html`<span class="muted">–</span>`
  return typeof value === 'string' && value.length > 16 && !value.includes(' ') ? html`<code>${value}</code>` : String(value)
}

function time(ms: number | string | null | undefined): string | null {
  if (ms === null || ms === undefined) return null
  return typeof ms === 'string' ? ms : new Date(ms).toISOString().replace('.000Z', 'Z')
}

export interface MonitorData {
  generatedAt: number
  migration: {
    algorithm: string
    fingerprintVersion: number
    job: { state: string; processed: number; total: number; skipped: number; startedAt: string | null; finishedAt: string | null; clicksPerSecond: number | null; error: string | null; resumes: number }
  }
  stats: {
    humanClicks: number
    identitySources: Array<{ source: string | null; clicks: number }>
    unique: { legacy: number; robust: { browsers: number; devices: number } }
    clusters: { fingerprints: number; browsers: number; devices: number }
    versions: { clicks: Array<{ version: number | null; clicks: number }>; fingerprints: Array<{ version: number; fingerprints: number }> }
    geoTiers: { sample: number; tiers: Array<{ source: string; tier: number | null; clicks: number }> }
    geoAttribution: string | null
    workingState: { upToClickId: number; memberships: number; contexts: number; sightings: number; clicked: number; ms: number }
  }
  recent: Array<{ key: string; browserName: string | null; osName: string | null; deviceType: string; confidence: number; factors: string[]; version: number; createdAt: number; deviceCluster: string | null; correlationType: string | null; sdkDevice: string | null }>
  correlations: Array<{ deviceCluster: string; updatedAt: number; size: number; members: Array<{ key: string; browserCluster: string; correlationType: string | null; confidence: number; factors: string[]; browserName: string | null; osName: string | null; deviceType: string | null }> }>
  attribution: string
}

/** The monitor: migration state, identity statistics, recent fingerprints and clusters. Every value is escaped. */
export function monitorPage(d: MonitorData): string {
  const job = d.migration.job
  const pct = job.total > 0 ? Math.min(100, Math.round((job.processed / job.total) * 100)) : job.state === 'done' ? 100 : 0
  const s = d.stats
  const parts = [
    html`<h1>Robust fingerprint monitor</h1><p class="muted">Generated ${time(d.generatedAt)} · <button type="button" id="refresh">Refresh</button><button type="button" id="forget">Forget token</button></p>`,
    html`<h2>Algorithm and migration</h2>`,
    html`<p>Numbers served by the <strong>${d.migration.algorithm}</strong> algorithm; fingerprint version ${d.migration.fingerprintVersion}.</p>`,
    table([{
      state: job.state, processed: job.processed, total: job.total, skipped: job.skipped, rate: job.clicksPerSecond, resumes: job.resumes,
      startedAt: job.startedAt, finishedAt: job.finishedAt, error: job.error,
    }], [['state', 'Job'], ['processed', 'Processed'], ['total', 'Total'], ['skipped', 'Skipped'], ['rate', 'Clicks/s'], ['resumes', 'Resumes'], ['startedAt', 'Started'], ['finishedAt', 'Finished'], ['error', 'Error']]),
    html`<p><progress id="job-progress" max="100" value="${pct}" title="${pct}%">${pct}%</progress> <span id="job-state" data-state="${job.state}">${job.state}: ${job.processed} of ${job.total} clicks</span></p>`,
    html`<p><button type="button" id="migrate">Migrate to the robust algorithm</button> <button type="button" id="rollback">Roll back to legacy</button> <span id="migration-message" class="error" role="alert"></span></p>`,
    html`<h2>Unique visitors, all links</h2>`,
    table([
      { algorithm: 'legacy (cookie, else address + user agent)', browsers: s.unique.legacy, devices: s.unique.legacy },
      { algorithm: 'robust (identity engine)', browsers: s.unique.robust.browsers, devices: s.unique.robust.devices },
    ], [['algorithm', 'Algorithm'], ['browsers', 'Browsers'], ['devices', 'Devices']]),
    html`<p class="muted">${s.humanClicks} human clicks; ${s.clusters.fingerprints} storage contexts in ${s.clusters.browsers} browser and ${s.clusters.devices} device clusters.</p>`,
    html`<h2>Identity sources</h2>`,
    table(s.identitySources.map((r) => ({ source: r.source ?? 'unresolved', clicks: r.clicks })), [['source', 'Source'], ['clicks', 'Clicks']]),
    html`<h2>Fingerprint versions</h2>`,
    table([
      ...s.versions.clicks.map((r) => ({ what: 'clicks', version: r.version ?? 'none', count: r.clicks })),
      ...s.versions.fingerprints.map((r) => ({ what: 'fingerprints', version: r.version, count: r.fingerprints })),
    ], [['what', 'Rows'], ['version', 'Version'], ['count', 'Count']]),
    html`<h2>Geo tiers (last ${s.geoTiers.sample} human clicks)</h2>`,
    table(s.geoTiers.tiers.map((t) => ({ tier: t.tier, source: t.source, clicks: t.clicks })), [['tier', 'Tier'], ['source', 'Source'], ['clicks', 'Clicks']]),
    html`<h2>Working state reloaded at start</h2>`,
    table([{ ...s.workingState, ms: Math.round(s.workingState.ms) }], [['upToClickId', 'Up to click'], ['memberships', 'Memberships'], ['contexts', 'Contexts'], ['sightings', 'Sightings'], ['clicked', 'Clicked pairs'], ['ms', 'ms']]),
    html`<h2>Recent fingerprints</h2>`,
    table(d.recent.map((f) => ({
      key: f.key, browser: f.browserName, os: f.osName, device: f.deviceType, sdk: f.sdkDevice ? 'yes' : 'no', cluster: f.deviceCluster,
      type: f.correlationType, confidence: f.confidence, factors: f.factors.join(', '), version: f.version, created: time(f.createdAt),
    })), [['key', 'Context'], ['browser', 'Browser'], ['os', 'OS'], ['device', 'Device'], ['sdk', 'SDK'], ['cluster', 'Device cluster'], ['type', 'Type'], ['confidence', 'Confidence'], ['factors', 'Evidence'], ['version', 'v'], ['created', 'First seen']]),
    html`<h2>Recent device clusters</h2>`,
    d.correlations.length === 0
      ? html`<p class="muted">No cluster has more than one storage context yet.</p>`
      : d.correlations.map((c) => html`<p><strong>${cell(c.deviceCluster)}</strong> · ${c.size} contexts · updated ${time(c.updatedAt)}</p>${table(c.members.map((m) => ({
          key: m.key, browserCluster: m.browserCluster, browser: m.browserName, os: m.osName, device: m.deviceType, type: m.correlationType, confidence: m.confidence, factors: m.factors.join(', '),
        })), [['key', 'Context'], ['browserCluster', 'Browser cluster'], ['browser', 'Browser'], ['os', 'OS'], ['device', 'Device'], ['type', 'Type'], ['confidence', 'Confidence'], ['factors', 'Evidence']])}`),
    html`<footer class="muted">${d.attribution}</footer>`,
  ]
  return htmlDocument('Robust fingerprint monitor', parts)
}
