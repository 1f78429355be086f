// The dashboard's one script: served from this origin (the CSP allows nothing inline),
// no framework and no build step. It talks to the JSON API and renders every value with
// textContent or as attribute values set one by one: nothing the API returns is ever parsed
// as HTML (the CSP's Trusted Types directive makes Chromium refuse HTML-parsing sinks
// altogether).
'use strict'
;(() => {
  /*
   * Where the sign-in token lives: sessionStorage, for this tab only.
   * - Not a cookie: the API authenticates by the Authorization header alone, so it has no
   *   CSRF surface; a cookie would give every cross-site request to this origin the
   *   user's authority, and the token would travel with every redirect hit.
   * - Not localStorage: that outlives the tab and is shared by every tab of the origin; a
   *   token that dies with the tab (a closed tab's within 15 minutes, as nothing renews
   *   it) limits what a forgotten browser profile or a copied one hands over.
   * - Not memory only: a reload would sign the user out each time.
   * - Never in a URL: URLs end up in history, logs and Referer headers.
   * Script on this origin could read it; the defence against that is the CSP and never
   * turning data into markup.
   */
  const TOKEN_KEY = 'linkprint.dashboard.token'
  const SESSION_KEY = 'linkprint.dashboard.sessionId'
  /** When the token expires and when the session ends (epoch ms), kept so a reload still renews in time. */
  const EXPIRES_KEY = 'linkprint.dashboard.expiresAt'
  const SESSION_ENDS_KEY = 'linkprint.dashboard.sessionEndsAt'
  const PAGE_SIZE = 20
  /**
   * How long before its expiry the token is renewed. Two minutes, not seconds: a browser
   * runs a background tab's timers late (Chromium aligns them to the minute), and a token
   * that expired first cannot be renewed.
   */
  const RENEW_BEFORE_MS = 2 * 60_000
  /** A renewal that failed for a passing reason (network, 429, 5xx) is tried again this soon. */
  const RENEW_RETRY_MS = 15_000
  const DAY = 86_400_000
  const SVG_NS = 'http://www.w3.org/2000/svg'

  const $ = (id) => {
    const el = document.getElementById(id)
    if (!el) throw new Error(`dashboard: #${id} missing`)
    return el
  }

  /** An element with text children only; attributes are set one by one, never parsed. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag)
    setAttrs(node, attrs)
    node.append(...children.filter((c) => c !== null && c !== undefined).map((c) => (typeof c === 'string' || typeof c === 'number' ? String(c) : c)))
    return node
  }

  function svgEl(tag, attrs = {}, ...children) {
    const node = document.createElementNS(SVG_NS, tag)
    setAttrs(node, attrs)
    node.append(...children)
    return node
  }

  function setAttrs(node, attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue
      // Handlers and inline styles are never built from data (the CSP would refuse them anyway).
      if (/^on/i.test(name) || name === 'style') throw new Error(`dashboard: attribute ${name} not allowed`)
      if (name === 'class') node.setAttribute('class', value)
      else if (name === 'text') node.textContent = String(value)
      else node.setAttribute(name, value === true ? '' : String(value))
    }
  }

  /** Only http(s) targets become links: the API enforces it, and a row written some other way must not turn into a javascript: link. */
  function safeHref(url) {
    try {
      const parsed = new URL(url)
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null
    } catch {
      return null
    }
  }

  const numberFormat = new Intl.NumberFormat()
  const fmt = (n) => (typeof n === 'number' && Number.isFinite(n) ? numberFormat.format(n) : '–')
  const fmtDate = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '–')

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message)
      this.status = status
      this.code = code
      this.details = details
    }
  }

  const auth = {
    get token() {
      return sessionStorage.getItem(TOKEN_KEY)
    },
    get sessionId() {
      return sessionStorage.getItem(SESSION_KEY)
    },
    get expiresAt() {
      return Number(sessionStorage.getItem(EXPIRES_KEY)) || null
    },
    get sessionEndsAt() {
      return Number(sessionStorage.getItem(SESSION_ENDS_KEY)) || null
    },
    /** A login's or a renewal's answer: `{token, sessionId, expiresIn, sessionExpiresAt}`. */
    save(res) {
      sessionStorage.setItem(TOKEN_KEY, res.token)
      if (res.sessionId) sessionStorage.setItem(SESSION_KEY, res.sessionId)
      if (typeof res.expiresIn === 'number') sessionStorage.setItem(EXPIRES_KEY, String(Date.now() + res.expiresIn * 1000))
      const ends = Date.parse(res.sessionExpiresAt)
      if (Number.isFinite(ends)) sessionStorage.setItem(SESSION_ENDS_KEY, String(ends))
      scheduleRenewal()
    },
    clear() {
      for (const key of [TOKEN_KEY, SESSION_KEY, EXPIRES_KEY, SESSION_ENDS_KEY]) sessionStorage.removeItem(key)
      clearTimeout(renewal.timer)
      renewal.timer = undefined
    },
  }

  // ---------------------------------------------------------------- staying signed in

  /**
   * The token lives 15 minutes; while the tab is open it is renewed (POST /api/auth/refresh,
   * the token and its session id → a new token and a new session id) shortly before it
   * expires. A renewal the server refuses (signed out elsewhere, the session's 30 days over)
   * signs this tab out. Calls made while a renewal is under way wait for it, since the
   * renewal ends the old token at once.
   */
  const renewal = { timer: undefined, running: null }

  function scheduleRenewal() {
    clearTimeout(renewal.timer)
    renewal.timer = undefined
    const expiresAt = auth.expiresAt
    if (!auth.token || !auth.sessionId || !expiresAt) return
    const endsAt = auth.sessionEndsAt
    if (endsAt && expiresAt >= endsAt - 1000) {
      // The server gave the token no more than the session's end: no renewal can go further.
      renewal.timer = setTimeout(() => endSession('Your session reached its time limit. Sign in again.'), Math.max(0, expiresAt - Date.now()))
      return
    }
    renewal.timer = setTimeout(() => void renew(), Math.max(0, expiresAt - RENEW_BEFORE_MS - Date.now()))
  }

  function renew() {
    if (renewal.running) return renewal.running
    renewal.running = (async () => {
      const token = auth.token
      const sessionId = auth.sessionId
      if (!token || !sessionId) return
      try {
        const res = await request('/api/auth/refresh', { method: 'POST', headers: { 'x-session-id': sessionId }, renewal: true })
        const body = await res.json()
        // Signed out or signed in again while this was under way: the answer is not this tab's any more.
        if (auth.token === token) auth.save(body)
      } catch (error) {
        if (auth.token !== token) return
        if (error.status === 0 || error.status === 429 || error.status >= 500) {
          // Passing trouble: try again while the token still has time (a later call would sign out).
          if ((auth.expiresAt ?? 0) > Date.now() + 1000) renewal.timer = setTimeout(() => void renew(), RENEW_RETRY_MS)
          return
        }
        endSession(error.code === 'SESSION_EXPIRED' ? 'Your session reached its time limit. Sign in again.' : `You have been signed out: ${error.message}`)
      }
    })().finally(() => {
      renewal.running = null
    })
    return renewal.running
  }

  // A tab in the background, or a laptop asleep, may run the timer too late: check on return.
  document.addEventListener('visibilitychange', () => {
    const expiresAt = auth.expiresAt
    if (document.visibilityState === 'visible' && expiresAt && expiresAt - Date.now() < RENEW_BEFORE_MS) scheduleRenewal()
  })

  /**
   * One call to the API. Cookies are left out: the dashboard is authenticated by its
   * header, and the visitor cookie of whoever runs it has nothing to do with its calls.
   */
  async function request(path, { method = 'GET', body, headers = {}, signIn = false, renewal: renewing = false, retried = false } = {}) {
    // The renewal under way ends the current token: wait for its successor.
    if (!signIn && !renewing && renewal.running) await renewal.running
    const all = { accept: 'application/json', ...headers }
    const token = auth.token
    if (token && !signIn) all.authorization = `Bearer ${token}`
    if (body !== undefined) all['content-type'] = 'application/json'
    let res
    try {
      res = await fetch(path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store', redirect: 'error' })
    } catch {
      throw new ApiError(0, 'NETWORK', 'The server could not be reached. Check the connection and try again.')
    }
    if (res.ok) return res
    let error = { code: 'HTTP_' + res.status, message: `The server answered ${res.status}.` }
    try {
      const parsed = await res.json()
      if (parsed && parsed.error && typeof parsed.error.code === 'string') error = parsed.error
    } catch {
      // Not the API's JSON (a proxy's error page): the status line is all there is.
    }
    const failure = new ApiError(res.status, String(error.code), String(error.message ?? ''), error.details)
    // The renewal says itself what its refusal means.
    if (renewing) return Promise.reject(failure)
    // Renewed while this call was on its way: its token was the old one, so once more with the new.
    if (res.status === 401 && !signIn && !retried && token && auth.token && auth.token !== token) {
      return request(path, { method, body, headers, retried: true })
    }
    // A token that stopped working (expired after 15 minutes, revoked by a sign-out elsewhere)
    // ends the signed-in view, unless the user has signed in again since this call left. The
    // API's TOKEN_EXPIRED message offers session recovery, which needs a device-bound session
    // (PRIVACY_MODE=full and the SDK's fingerprint) that a dashboard sign-in does not have;
    // an open tab renews its token before it expires, so this is a tab that slept through it.
    if (res.status === 401 && !signIn && auth.token === token) {
      // A live token refused means its session was revoked, or rotated by someone else who
      // renewed with a copy of it. Presenting the old pair once more lets the server see the
      // replay and end that copy's session too; after a plain sign-out it changes nothing.
      const sessionId = auth.sessionId
      if (failure.code === 'INVALID_TOKEN' && sessionId) {
        void fetch('/api/auth/refresh', { method: 'POST', headers: { accept: 'application/json', authorization: `Bearer ${token}`, 'x-session-id': sessionId }, credentials: 'omit', cache: 'no-store', redirect: 'error' }).catch(() => {})
      }
      endSession(failure.code === 'TOKEN_EXPIRED' ? 'Your sign-in expired (the page was closed or asleep past its renewal). Sign in again.' : `You have been signed out: ${failure.message}`)
    }
    return Promise.reject(failure)
  }

  async function api(path, options) {
    const res = await request(path, options)
    return res.status === 204 ? null : res.json()
  }

  function query(params) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
    const s = q.toString()
    return s ? `?${s}` : ''
  }

  const linkPath = (slug) => `/api/links/${encodeURIComponent(slug)}`
  /** A link on an added domain is named by its slug and `?domain=` (a slug is unique per domain); the default domain's by its slug alone. */
  const domainOf = (link) => ((state.domains ?? []).includes(link.domain) ? link.domain : undefined)
  const linkHash = (link) => `#/links/${encodeURIComponent(link.slug)}${query({ domain: domainOf(link) })}`

  // ---------------------------------------------------------------- state and views

  const state = {
    me: null,
    cursors: [undefined],
    page: 0,
    editing: null,
    current: null,
    /** The range the page shows, as the API answered it: the export takes the same. */
    range: undefined,
    /** Bumped on every navigation and sign-out, so an answer that arrives late is dropped. */
    generation: 0,
    /** The live panel's stream while the overview is shown. */
    live: null,
  }

  const VIEWS = ['signin-view', 'links-view', 'link-view', 'overview-view']
  function show(view) {
    if (view !== 'overview-view') stopLive()
    for (const id of VIEWS) $(id).hidden = id !== view
    $('account').hidden = view === 'signin-view'
  }

  function notice(text, bad = false) {
    const n = $('notice')
    n.textContent = text
    n.classList.toggle('bad', bad)
    n.hidden = !text
  }

  /** Removes every value the API gave this page, so nothing is left in the DOM after sign-out. */
  function wipe() {
    state.me = null
    state.current = null
    state.range = undefined
    state.editing = null
    state.cursors = [undefined]
    state.page = 0
    state.generation++
    stopLive()
    for (const id of ['links-body', 'link-meta', 'chart', 'breakdowns', 'who', 'link-title', 'chart-caption', 'export-status', 'page-no', 'ov-chart', 'ov-caption', 'ov-top', 'ov-breakdowns', 'live', 'live-status']) $(id).replaceChildren()
    for (const id of ['s-clicks', 's-browser', 's-device', 's-bots', 's-confidence', 'ov-clicks', 'ov-browser', 'ov-device', 'ov-bots']) $(id).textContent = '–'
    $('ov-all-label').hidden = true
    $('geo-credit').hidden = true
    $('admin-badge').hidden = true
    $('filter-all-label').hidden = true
    $('filter-tag').value = ''
    $('filter-q').value = ''
    $('filter-all').checked = true
    $('owner-col').hidden = true
    resetLinkForm()
  }

  function endSession(message, bad = true) {
    auth.clear()
    wipe()
    if (location.hash) history.replaceState(null, '', location.pathname)
    show('signin-view')
    notice(message, bad)
  }

  async function route() {
    if (!auth.token) {
      wipe()
      show('signin-view')
      return
    }
    if (!state.me) {
      try {
        state.me = await api('/api/auth/me')
      } catch (error) {
        if (error.status !== 401) notice(error.message, true)
        return
      }
      $('who').textContent = state.me.email
      $('admin-badge').hidden = !state.me.isAdmin
      $('filter-all-label').hidden = !state.me.isAdmin
      // The monitor reads this tab's sign-in token itself: opened from here, it needs no other.
      $('monitor-nav').hidden = !state.me.isAdmin
      void loadDomains()
      $('ov-all-label').hidden = !state.me.isAdmin
    }
    if (location.hash === '#/overview') {
      show('overview-view')
      await loadOverview()
      return
    }
    const match = /^#\/links\/(.+)$/.exec(location.hash)
    if (match) {
      let slug
      const [path, search] = match[1].split('?')
      try {
        slug = decodeURIComponent(path)
      } catch {
        location.hash = '#/links'
        return
      }
      await openLink(slug, new URLSearchParams(search ?? '').get('domain') ?? undefined)
    } else {
      show('links-view')
      await loadLinks()
    }
  }

  // ---------------------------------------------------------------- sign in and out

  $('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    const email = $('signin-email').value.trim()
    const password = $('signin-password').value
    const error = $('signin-error')
    error.textContent = ''
    if (!email || !password) {
      error.textContent = 'Enter your email and password.'
      return
    }
    $('signin-submit').disabled = true
    try {
      const res = await api('/api/auth/login', { method: 'POST', body: { email, password }, signIn: true })
      auth.save(res)
      $('signin-password').value = ''
      notice('')
      await route()
    } catch (e) {
      error.textContent = e.code === 'INVALID_CREDENTIALS' ? 'Email or password is wrong.' : e.message || 'Sign-in failed.'
    } finally {
      $('signin-submit').disabled = false
    }
  })

  $('sign-out').addEventListener('click', async () => {
    const sessionId = auth.sessionId
    try {
      // The session id lets the server revoke the session and every token issued for it.
      await request('/api/auth/logout', { method: 'POST', headers: sessionId ? { 'x-session-id': sessionId } : {} })
    } catch {
      // Signed out here either way; a token the server could not revoke expires within 15 minutes.
    }
    endSession('Signed out.', false)
  })

  // ---------------------------------------------------------------- the links list

  async function loadLinks() {
    const generation = ++state.generation
    const tag = $('filter-tag').value.trim()
    const q = $('filter-q').value.trim()
    const all = state.me && state.me.isAdmin && $('filter-all').checked
    let page
    try {
      // One request a page: the links and their numbers (include=stats), not one more per row.
      page = await api(`/api/links${query({ limit: PAGE_SIZE, cursor: state.cursors[state.page], tag, q, include: 'stats', all: all ? 'true' : undefined })}`)
    } catch (error) {
      if (generation === state.generation && error.status !== 401) notice(error.message, true)
      return
    }
    if (generation !== state.generation) return
    // Owners come with an admin's list of everyone's links, and only then is the column shown.
    const owners = page.links.some((l) => l.owner !== undefined) || Boolean(all)
    $('owner-col').hidden = !owners
    $('links-body').replaceChildren(...page.links.map((link) => linkRow(link, owners)))
    $('links-empty').hidden = page.links.length > 0
    $('links-empty').textContent = q ? 'No link matches this search.' : tag ? 'No link has this tag.' : 'No links yet.'
    state.cursors[state.page + 1] = page.nextCursor ?? undefined
    $('page-prev').disabled = state.page === 0
    $('page-next').disabled = !page.nextCursor
    $('page-no').textContent = `Page ${state.page + 1}`
  }

  function linkRow(link, owners) {
    const href = safeHref(link.url)
    const open = el('a', { href: linkHash(link) })
    open.textContent = link.shortUrl
    const stats = link.stats || null
    const stat = (key) => el('td', { class: 'num', 'data-stat': key, text: stats ? fmt(stats[key]) : '–' })
    const row = el('tr', { 'data-slug': link.slug },
      el('td', {}, open),
      el('td', { class: 'url' }, href ? el('a', { href, rel: 'noopener noreferrer', target: '_blank', text: link.url }) : el('code', { text: link.url })),
      owners ? el('td', { class: 'owner', text: link.owner ? link.owner.email : '–' }) : null,
      el('td', {}, ...link.tags.map((t) => el('span', { class: 'tag', text: t }))),
      el('td', { class: 'num', 'data-stat': 'clicks', title: 'Human clicks so far', text: fmt(stats ? stats.clicks : link.clicks) }),
      stat('browserUniqueClicks'),
      stat('deviceUniqueClicks'),
      stat('botClicks'),
      el('td', { title: link.createdAt, text: fmtDate(link.createdAt) }),
      el('td', { class: 'actions' },
        button('Copy', () => copy(link.shortUrl), { 'data-action': 'copy' }),
        button('Edit', () => startEdit(link), { 'data-action': 'edit' }),
        button('Delete', () => removeLink(link), { 'data-action': 'delete' }),
      ),
    )
    return row
  }

  function button(label, onClick, attrs = {}) {
    const b = el('button', { type: 'button', ...attrs }, label)
    b.addEventListener('click', onClick)
    return b
  }

  $('page-next').addEventListener('click', () => {
    if (state.cursors[state.page + 1] === undefined) return
    state.page++
    void loadLinks()
  })
  $('page-prev').addEventListener('click', () => {
    if (state.page === 0) return
    state.page--
    void loadLinks()
  })
  $('filter-form').addEventListener('submit', (event) => {
    event.preventDefault()
    state.cursors = [undefined]
    state.page = 0
    void loadLinks()
  })
  // Search as one types, once the typing pauses: one request for a word, not one a key.
  let searchTimer
  $('filter-q').addEventListener('input', () => {
    clearTimeout(searchTimer)
    searchTimer = setTimeout(() => {
      state.cursors = [undefined]
      state.page = 0
      void loadLinks()
    }, 300)
  })
  $('filter-all').addEventListener('change', () => {
    state.cursors = [undefined]
    state.page = 0
    void loadLinks()
  })
  $('filter-clear').addEventListener('click', () => {
    $('filter-tag').value = ''
    $('filter-q').value = ''
    state.cursors = [undefined]
    state.page = 0
    void loadLinks()
  })
  $('links-refresh').addEventListener('click', () => void loadLinks())

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text)
      notice(`Copied ${text}`)
    } catch {
      // The Clipboard API needs a secure context (HTTPS or localhost) and permission: show it to copy by hand.
      notice(`Copy this short URL: ${text}`)
    }
  }

  async function removeLink(link) {
    if (!window.confirm(`Delete ${link.shortUrl}? Its clicks are deleted too, and the short URL stops working. This cannot be undone.`)) return
    try {
      await api(`${linkPath(link.slug)}${query({ domain: domainOf(link) })}`, { method: 'DELETE' })
      notice(`Deleted ${link.shortUrl}.`)
      if (state.editing && state.editing.slug === link.slug) resetLinkForm()
      await loadLinks()
    } catch (error) {
      if (error.status !== 401) notice(error.message, true)
    }
  }

  // ---------------------------------------------------------------- create and edit

  const FIELDS = ['url', 'slug', 'expiresAt', 'maxClicks', 'redirectStatus', 'redirectMode', 'tags']
  const FIELD_OF_CODE = {
    INVALID_URL: 'url', URL_TOO_LONG: 'url', URL_SCHEME_NOT_ALLOWED: 'url', URL_SELF_REFERENCE: 'url',
    INVALID_SLUG: 'slug', SLUG_RESERVED: 'slug', SLUG_TAKEN: 'slug',
  }

  function clearFieldErrors() {
    for (const f of FIELDS) {
      $(`e-${f}`).textContent = ''
      $(`f-${f}`).removeAttribute('aria-invalid')
    }
    $('form-error').textContent = ''
  }

  function fieldError(field, message) {
    $(`e-${field}`).textContent = message
    $(`f-${field}`).setAttribute('aria-invalid', 'true')
  }

  /** Puts the API's error next to the field it is about: by code, by the schema's paths, or by the field named in the message. */
  function showFormError(error) {
    let field = FIELD_OF_CODE[error.code]
    if (!field && Array.isArray(error.details)) {
      for (const d of error.details) {
        const name = String(d.path ?? '').replace(/^\//, '').split('/')[0]
        if (FIELDS.includes(name)) {
          fieldError(name, d.message ? `${name} ${d.message}` : error.message)
          field = field ?? name
        }
      }
      if (field) {
        $('form-error').textContent = 'Check the highlighted fields.'
        return
      }
    }
    if (!field && error.code === 'VALIDATION_FAILED') field = FIELDS.find((f) => error.message.includes(f) || (f === 'tags' && /tag/i.test(error.message)))
    if (field) {
      fieldError(field, error.message)
      $('form-error').textContent = 'Check the highlighted field.'
    } else {
      $('form-error').textContent = error.message
    }
  }

  function toLocalInput(iso) {
    if (!iso) return ''
    const d = new Date(iso)
    const pad = (n) => String(n).padStart(2, '0')
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
  }

  /** The form's values in the API's shape; null where a field was emptied (no expiry, no limit). */
  function formValues() {
    const expires = $('f-expiresAt').value
    const max = $('f-maxClicks').value.trim()
    // datetime-local is the user's local time; the API takes an instant.
    const at = expires ? new Date(expires) : null
    return {
      url: $('f-url').value.trim(),
      slug: $('f-slug').value.trim(),
      // An unparsable date goes to the API as typed, so its own message explains it.
      expiresAt: at === null ? null : Number.isNaN(at.getTime()) ? expires : at.toISOString(),
      maxClicks: max === '' ? null : Number(max),
      redirectStatus: Number($('f-redirectStatus').value),
      // '' is the server's REDIRECT_MODE: null to the API.
      redirectMode: $('f-redirectMode').value || null,
      tags: $('f-tags').value.split(',').map((t) => t.trim()).filter(Boolean),
      domain: $('f-domain').value,
    }
  }

  /** The short domains a link may use; the picker shows only when there is more than the default. */
  async function loadDomains() {
    try {
      const { default: main, domains } = await api('/api/domains')
      state.domains = domains.map((d) => d.host)
      const options = [el('option', { value: '' }, main ? `${main} (default)` : 'default domain'), ...state.domains.map((host) => el('option', { value: host }, host))]
      $('f-domain').replaceChildren(...options)
      $('domain-label').hidden = state.domains.length === 0
    } catch {
      $('domain-label').hidden = true
    }
  }

  function resetLinkForm() {
    state.editing = null
    $('link-form').reset()
    clearFieldErrors()
    $('f-slug').disabled = false
    $('link-form-title').textContent = 'New link'
    $('link-submit').textContent = 'Create link'
    $('link-cancel').hidden = true
  }

  function startEdit(link) {
    resetLinkForm()
    state.editing = link
    $('f-url').value = link.url
    $('f-slug').value = link.slug
    // A slug is the short URL people already have: it cannot change.
    $('f-slug').disabled = true
    $('f-expiresAt').value = toLocalInput(link.expiresAt)
    $('f-maxClicks').value = link.maxClicks === null ? '' : String(link.maxClicks)
    $('f-redirectStatus').value = String(link.redirectStatus)
    $('f-redirectMode').value = link.redirectMode ?? ''
    $('f-tags').value = link.tags.join(', ')
    $('link-form-title').textContent = `Edit /${link.slug}`
    $('link-submit').textContent = 'Save changes'
    $('link-cancel').hidden = false
    $('link-form').scrollIntoView({ block: 'start' })
    $('f-url').focus()
  }

  $('link-cancel').addEventListener('click', resetLinkForm)

  $('link-form').addEventListener('submit', async (event) => {
    event.preventDefault()
    clearFieldErrors()
    const v = formValues()
    if (!v.url) {
      fieldError('url', 'Enter the URL the short link leads to.')
      return
    }
    if (v.maxClicks !== null && !(Number.isInteger(v.maxClicks) && v.maxClicks >= 1)) {
      fieldError('maxClicks', 'A click limit is a whole number, 1 or more.')
      return
    }
    const editing = state.editing
    let body
    if (editing) {
      // Only what changed: an unchanged past expiry would otherwise be refused as "not in the future".
      body = {}
      if (v.url !== editing.url) body.url = v.url
      if ($('f-expiresAt').value !== toLocalInput(editing.expiresAt)) body.expiresAt = v.expiresAt
      if (v.maxClicks !== editing.maxClicks) body.maxClicks = v.maxClicks
      if (v.redirectStatus !== editing.redirectStatus) body.redirectStatus = v.redirectStatus
      if (v.redirectMode !== (editing.redirectMode ?? null)) body.redirectMode = v.redirectMode
      if (v.tags.join('\u0000') !== editing.tags.join('\u0000')) body.tags = v.tags
      if (Object.keys(body).length === 0) {
        resetLinkForm()
        notice('Nothing changed.')
        return
      }
    } else {
      body = { url: v.url, redirectStatus: v.redirectStatus }
      if (v.redirectMode) body.redirectMode = v.redirectMode
      if (v.slug) body.slug = v.slug
      if (v.expiresAt) body.expiresAt = v.expiresAt
      if (v.maxClicks !== null) body.maxClicks = v.maxClicks
      if (v.tags.length > 0) body.tags = v.tags
      if (v.domain) body.domain = v.domain
    }
    $('link-submit').disabled = true
    try {
      const link = editing ? await api(`${linkPath(editing.slug)}${query({ domain: domainOf(editing) })}`, { method: 'PATCH', body }) : await api('/api/links', { method: 'POST', body })
      resetLinkForm()
      notice(editing ? `Saved ${link.shortUrl}.` : `Created ${link.shortUrl}.`)
      state.cursors = [undefined]
      state.page = 0
      await loadLinks()
    } catch (error) {
      if (error.status !== 401) showFormError(error)
    } finally {
      $('link-submit').disabled = false
    }
  })

  // ---------------------------------------------------------------- one link

  async function openLink(slug, domain) {
    const generation = ++state.generation
    show('link-view')
    state.current = null
    state.range = undefined
    for (const id of ['link-meta', 'chart', 'breakdowns', 'chart-caption', 'export-status']) $(id).replaceChildren()
    $('link-title').textContent = `/${slug}`
    let link
    try {
      link = await api(`${linkPath(slug)}${query({ domain })}`)
      // Its later calls (analytics, export, edit) name its domain from the list of domains, which may still be loading.
      if (domain && !(state.domains ?? []).includes(domain)) state.domains = [...(state.domains ?? []), domain]
    } catch (error) {
      if (generation === state.generation && error.status !== 401) notice(error.code === 'LINK_NOT_FOUND' ? `No link of yours has the slug "${slug}".` : error.message, true)
      return
    }
    if (generation !== state.generation) return
    state.current = link
    $('link-title').textContent = link.shortUrl
    const href = safeHref(link.url)
    const meta = [
      ['Destination', href ? el('a', { href, rel: 'noopener noreferrer', target: '_blank', text: link.url }) : el('code', { text: link.url })],
      ['Tags', link.tags.length ? el('span', {}, ...link.tags.map((t) => el('span', { class: 'tag', text: t }))) : '–'],
      ['Redirect', String(link.redirectStatus)],
      ['First click', link.redirectMode === 'bridge' ? 'bridge page' : link.redirectMode === 'direct' ? 'direct' : 'server default'],
      ['Expires', link.expiresAt ? fmtDate(link.expiresAt) : 'never'],
      // The limit alone, not "n used": GET /api/links/:slug adds the redirect cache's count to a
      // freshly read row, so its `clicks` counts written clicks twice while the link is cached.
      ['Click limit', link.maxClicks === null ? 'none' : `${fmt(link.maxClicks)} clicks`],
      ['Created', fmtDate(link.createdAt)],
    ]
    $('link-meta').replaceChildren(...meta.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)]))
    await loadAnalytics()
  }

  /** The chosen range as the API's from/to (to exclusive) and a bucket size that keeps the chart readable. */
  function chosenRange() {
    const choice = $('range').value
    const now = Date.now()
    const spans = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY }
    if (choice in spans) {
      const span = spans[choice]
      return { from: new Date(now - span).toISOString(), to: undefined, interval: span <= 2 * DAY ? 'hour' : 'day' }
    }
    if (choice === 'all') return { from: undefined, to: undefined, interval: 'day' }
    const fromValue = $('range-from').value
    const toValue = $('range-to').value
    if (!fromValue) throw new Error('Choose the first day of the range.')
    // Dates are read as UTC days, as the API's day buckets are.
    const from = Date.parse(`${fromValue}T00:00:00Z`)
    const to = toValue ? Date.parse(`${toValue}T00:00:00Z`) + DAY : now
    if (!(from < to)) throw new Error('The first day must not be after the last.')
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), interval: to - from <= 2 * DAY ? 'hour' : 'day' }
  }

  async function loadAnalytics() {
    const link = state.current
    if (!link) return
    const generation = state.generation
    $('range-error').textContent = ''
    let range
    try {
      range = chosenRange()
    } catch (error) {
      $('range-error').textContent = error.message
      return
    }
    let data
    try {
      data = await api(`${linkPath(link.slug)}/analytics${query({ ...range, domain: domainOf(link) })}`)
    } catch (error) {
      if (generation === state.generation && error.status !== 401) $('range-error').textContent = error.message
      return
    }
    if (generation !== state.generation) return
    state.range = { from: data.from, to: data.to }
    const t = data.totals ?? {}
    $('s-clicks').textContent = fmt(t.clicks ?? 0)
    $('s-browser').textContent = fmt(t.browserUniqueClicks ?? 0)
    $('s-device').textContent = fmt(t.deviceUniqueClicks ?? 0)
    $('s-bots').textContent = fmt(t.botClicks ?? 0)
    $('s-confidence').textContent = typeof t.avgConfidence === 'number' ? `${Math.round(t.avgConfidence)} / 100` : '–'
    $('chart').replaceChildren(chart(data.series, data.interval))
    $('chart-caption').textContent = `${data.interval === 'hour' ? 'hourly' : 'daily'}, ${fmtDate(data.from)} to ${fmtDate(data.to)}; buckets in UTC`
    renderBreakdowns(data)
  }

  $('range').addEventListener('change', () => {
    $('custom-range').hidden = $('range').value !== 'custom'
    if ($('range').value !== 'custom') void loadAnalytics()
  })
  $('range-form').addEventListener('submit', (event) => {
    event.preventDefault()
    void loadAnalytics()
  })
  $('link-copy').addEventListener('click', () => {
    if (state.current) void copy(state.current.shortUrl)
  })

  /** Clicks and device uniques per bucket as two lines; each bucket has a hover target with its numbers. */
  function chart(series, interval) {
    const W = 760, H = 240, L = 44, R = 12, T = 12, B = 28
    const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Clicks and device uniques over time' })
    if (!series.length) return svg
    const max = niceMax(Math.max(1, ...series.map((b) => b.clicks)))
    const step = (W - L - R) / Math.max(1, series.length - 1)
    const x = (i) => (series.length === 1 ? L + (W - L - R) / 2 : L + i * step)
    const y = (v) => T + (H - T - B) * (1 - v / max)
    for (const v of [0, max / 2, max]) {
      svg.append(svgEl('line', { class: v === 0 ? 'axis' : 'grid-line', x1: L, x2: W - R, y1: y(v), y2: y(v) }))
      const label = svgEl('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' })
      label.textContent = fmt(v)
      svg.append(label)
    }
    const ticks = Math.min(series.length, 7)
    for (let k = 0; k < ticks; k++) {
      const i = ticks === 1 ? 0 : Math.round((k * (series.length - 1)) / (ticks - 1))
      // The end labels are anchored inwards so they are not cut at the edges.
      const anchor = ticks > 1 && k === 0 ? 'start' : ticks > 1 && k === ticks - 1 ? 'end' : 'middle'
      const label = svgEl('text', { x: x(i), y: H - 8, 'text-anchor': anchor })
      label.textContent = bucketLabel(series[i].start, interval)
      svg.append(label)
    }
    for (const [key, cls] of [['clicks', 'clicks'], ['deviceUniqueClicks', 'devices']]) {
      const points = series.map((b, i) => `${x(i).toFixed(1)},${y(b[key]).toFixed(1)}`).join(' ')
      svg.append(svgEl('polyline', { class: `line-${cls}`, points }))
      if (series.length <= 60) series.forEach((b, i) => svg.append(svgEl('circle', { class: `dot-${cls}`, cx: x(i).toFixed(1), cy: y(b[key]).toFixed(1), r: 2.5 })))
    }
    const width = series.length === 1 ? W - L - R : step
    series.forEach((b, i) => {
      const title = svgEl('title')
      title.textContent = `${bucketLabel(b.start, interval)}: ${fmt(b.clicks)} clicks, ${fmt(b.browserUniqueClicks)} browser uniques, ${fmt(b.deviceUniqueClicks)} device uniques, ${fmt(b.botClicks)} bot clicks`
      svg.append(svgEl('rect', { class: 'hover', x: (x(i) - width / 2).toFixed(1), y: T, width: width.toFixed(1), height: H - T - B, 'data-start': b.start }, title))
    })
    return svg
  }

  function niceMax(v) {
    const p = 10 ** Math.floor(Math.log10(v))
    for (const m of [1, 2, 5, 10]) if (v <= m * p) return Math.max(2, m * p)
    return v
  }

  function bucketLabel(iso, interval) {
    const d = new Date(iso)
    return interval === 'hour'
      ? d.toLocaleString(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
      : d.toLocaleDateString(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric' })
  }

  /** The breakdowns an analytics answer carries, in the order shown; each row a value with its clicks and uniques. */
  const BREAKDOWNS = [
    ['countries', 'Countries', 'Unknown'],
    ['cities', 'Cities', 'Unknown'],
    ['browsers', 'Browsers', 'Unknown'],
    ['operatingSystems', 'Operating systems', 'Unknown'],
    ['deviceTypes', 'Device types', 'Unknown'],
    ['languages', 'Languages', 'Not sent'],
    ['referrers', 'Referrers', 'Direct or not sent'],
    ['identitySources', 'How visitors were recognised', 'Unresolved'],
    ['botReasons', 'Bot clicks by reason', 'Unknown'],
  ]
  /** The identity tiers in words; the API's own name stays in the cell's title. */
  const SOURCE_NAMES = {
    client_header: 'SDK fingerprint header',
    cookie: 'device cookie',
    server_generated: 'server signals only (first visit, no cookie)',
    request_cache: 'same request, already resolved',
  }

  /** Each breakdown as a table whose last column is its bar; returns whether a geo breakdown had rows (it then shows the geo database's credit). */
  function renderBreakdowns(data, container = $('breakdowns')) {
    const blocks = []
    let geo = false
    for (const [key, title, empty] of BREAKDOWNS) {
      const rows = Array.isArray(data[key]) ? data[key] : null
      if (!rows) continue
      if ((key === 'countries' || key === 'cities') && rows.length > 0) geo = true
      const uniques = key !== 'botReasons'
      const total = rows.reduce((s, r) => s + (Number(r.clicks) || 0), 0)
      const label = (r) => {
        const v = r.value ?? null
        const text = v === null || v === '' ? empty : key === 'identitySources' ? (SOURCE_NAMES[v] ?? String(v)) : String(v)
        return r.inferred ? `${text} (inferred${typeof r.confidence === 'number' ? `, ${Math.round(r.confidence)} % sure` : ''})` : text
      }
      const content = rows.length === 0
        ? el('p', { class: 'muted', text: 'Nothing in this range.' })
        : el('table', {},
            el('thead', {}, el('tr', {}, el('th', { text: 'Value' }), el('th', { class: 'num', text: 'Clicks' }),
              ...(uniques ? [el('th', { class: 'num', text: 'Browsers' }), el('th', { class: 'num', text: 'Devices' })] : []), el('th', { text: 'Share' }))),
            el('tbody', {}, ...rows.map((r) => el('tr', {},
              el('td', { title: r.inferred ? `inferred from language and time zone, confidence ${r.confidence ?? '–'} / 100` : String(r.value ?? '') }, label(r)),
              el('td', { class: 'num', text: fmt(Number(r.clicks)) }),
              ...(uniques ? [el('td', { class: 'num', text: fmt(Number(r.browserUniqueClicks) || 0) }), el('td', { class: 'num', text: fmt(Number(r.deviceUniqueClicks) || 0) })] : []),
              el('td', { class: 'share' }, el('meter', { min: 0, max: total || 1, value: Number(r.clicks) || 0 }), ` ${total ? Math.round((100 * (Number(r.clicks) || 0)) / total) : 0}%`),
            ))),
          )
      blocks.push(el('section', { 'data-breakdown': key }, el('h3', { text: title }), content))
    }
    container.replaceChildren(...blocks)
    if (container === $('breakdowns')) $('geo-credit').hidden = !geo
    return geo
  }

  // ---------------------------------------------------------------- the overview

  async function loadOverview() {
    const generation = ++state.generation
    $('ov-error').textContent = ''
    const spans = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY }
    const span = spans[$('ov-range').value] ?? 7 * DAY
    const all = state.me && state.me.isAdmin && $('ov-all').checked
    const params = { from: new Date(Date.now() - span).toISOString(), interval: span <= 2 * DAY ? 'hour' : 'day', all: all ? 'true' : undefined }
    let data
    try {
      // One request for the whole page but the live panel: totals, series, breakdowns and top links.
      data = await api(`/api/analytics${query(params)}`)
    } catch (error) {
      if (generation === state.generation && error.status !== 401) $('ov-error').textContent = error.message
      return
    }
    if (generation !== state.generation) return
    const t = data.totals ?? {}
    $('ov-clicks').textContent = fmt(t.clicks ?? 0)
    $('ov-browser').textContent = fmt(t.browserUniqueClicks ?? 0)
    $('ov-device').textContent = fmt(t.deviceUniqueClicks ?? 0)
    $('ov-bots').textContent = fmt(t.botClicks ?? 0)
    $('ov-chart').replaceChildren(chart(data.series, data.interval))
    $('ov-caption').textContent = `${data.interval === 'hour' ? 'hourly' : 'daily'}, ${fmtDate(data.from)} to ${fmtDate(data.to)}; buckets in UTC`
    $('ov-top').replaceChildren(...data.topLinks.map((l) => el('tr', {},
      el('td', {}, el('a', { href: `#/links/${encodeURIComponent(l.slug)}`, text: `/${l.slug}` })),
      el('td', { class: 'num', text: fmt(l.clicks) }), el('td', { class: 'num', text: fmt(l.browserUniqueClicks) }), el('td', { class: 'num', text: fmt(l.deviceUniqueClicks) }),
    )))
    renderBreakdowns(data, $('ov-breakdowns'))
    void startLive(all)
  }
  $('ov-range-form').addEventListener('submit', (event) => {
    event.preventDefault()
    void loadOverview()
  })
  $('ov-range').addEventListener('change', () => void loadOverview())

  /** The live panel reads /api/analytics/live as a stream (fetch, not EventSource, so the token stays in a header). */
  async function startLive(all) {
    stopLive()
    const live = { stopped: false, reader: null }
    state.live = live
    $('live-status').textContent = 'Connecting…'
    try {
      const res = await request(`/api/analytics/live${query({ all: all ? 'true' : undefined })}`, { headers: { accept: 'text/event-stream' } })
      if (live.stopped) return void res.body.cancel().catch(() => {})
      live.reader = res.body.getReader()
      const decoder = new TextDecoder()
      let buffer = ''
      for (;;) {
        const { value, done } = await live.reader.read()
        if (done || live.stopped) break
        buffer += decoder.decode(value, { stream: true })
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')
          if (data && !live.stopped) renderLive(JSON.parse(data))
        }
      }
      if (!live.stopped) $('live-status').textContent = 'The live view ended; reload the overview to reconnect.'
    } catch (error) {
      if (!live.stopped && error.status !== 401) $('live-status').textContent = `The live view stopped: ${error.message}`
    }
  }

  function stopLive() {
    const live = state.live
    if (!live) return
    live.stopped = true
    if (live.reader) live.reader.cancel().catch(() => {})
    state.live = null
  }

  /** Human clicks per minute as bars, bots stacked in grey; each bar's title has its numbers. */
  function renderLive(data) {
    const W = 760, H = 120, B = 18
    const minutes = data.minutes
    const max = niceMax(Math.max(1, ...minutes.map((m) => m.clicks + m.botClicks)))
    const w = W / minutes.length
    const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Clicks per minute, the last 30 minutes' })
    minutes.forEach((m, i) => {
      const h = ((H - B) * m.clicks) / max
      const hb = ((H - B) * m.botClicks) / max
      const title = svgEl('title')
      title.textContent = `${bucketLabel(m.start, 'hour')}: ${fmt(m.clicks)} clicks, ${fmt(m.deviceUniqueClicks)} new devices, ${fmt(m.botClicks)} bot clicks`
      svg.append(svgEl('rect', { class: 'bar', x: (i * w + 1).toFixed(1), y: (H - B - h).toFixed(1), width: (w - 2).toFixed(1), height: h.toFixed(1) }, title))
      if (hb > 0) svg.append(svgEl('rect', { class: 'bar-bots', x: (i * w + 1).toFixed(1), y: (H - B - h - hb).toFixed(1), width: (w - 2).toFixed(1), height: hb.toFixed(1) }))
    })
    const label = svgEl('text', { x: W, y: H - 4, 'text-anchor': 'end' })
    label.textContent = `${fmt(minutes.reduce((n, m) => n + m.clicks, 0))} clicks in 30 minutes, up to ${new Date(data.at).toLocaleTimeString()}`
    svg.append(label)
    $('live').replaceChildren(svg)
    $('live-status').textContent = ''
  }

  // ---------------------------------------------------------------- export

  async function exportClicks(format) {
    const link = state.current
    if (!link) return
    const status = $('export-status')
    status.textContent = 'Preparing…'
    try {
      // The token goes in a header, never a URL, so the file is fetched here and handed to the browser as a blob.
      const res = await request(`${linkPath(link.slug)}/clicks${query({ format, ...state.range, domain: domainOf(link) })}`, { headers: { accept: format === 'csv' ? 'text/csv' : 'application/x-ndjson' } })
      const blob = await res.blob()
      const url = URL.createObjectURL(blob)
      const a = el('a', { href: url, download: `${link.slug}-clicks.${format}` })
      document.body.append(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
      status.textContent = `Saved ${link.slug}-clicks.${format} (${fmt(blob.size)} bytes).`
    } catch (error) {
      status.textContent = error.status === 401 ? '' : `Export failed: ${error.message}`
    }
  }
  /** The QR code of the short URL, fetched with the token and saved as a file, like the exports. */
  async function downloadQr(format) {
    const link = state.current
    if (!link) return
    const status = $('qr-status')
    try {
      const res = await request(`${linkPath(link.slug)}/qr${query({ format, size: 512, domain: domainOf(link) })}`, { headers: { accept: format === 'png' ? 'image/png' : 'image/svg+xml' } })
      const url = URL.createObjectURL(await res.blob())
      const a = el('a', { href: url, download: `${link.slug}-qr.${format}` })
      document.body.append(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
      status.textContent = `Saved ${link.slug}-qr.${format}.`
    } catch (error) {
      status.textContent = error.status === 401 ? '' : `QR code failed: ${error.message}`
    }
  }
  $('qr-png').addEventListener('click', () => void downloadQr('png'))
  $('qr-svg').addEventListener('click', () => void downloadQr('svg'))
  $('export-csv').addEventListener('click', () => void exportClicks('csv'))
  $('export-ndjson').addEventListener('click', () => void exportClicks('ndjson'))

  window.addEventListener('hashchange', () => void route())
  // A reload keeps the tab's token: its renewal is due on the same schedule.
  scheduleRenewal()
  void route()
})()
