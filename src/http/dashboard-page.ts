import { readFile } from 'node:fs/promises'
import { html as escaped } from 'hono/html'
import { pageCsp } from './page-security.js'

export const DASHBOARD_PATH = '/dashboard'
/** Outside `/dashboard/…`, whose other pages (the SDK test page) belong to other plugins: this prefix is the dashboard's alone. */
export const DASHBOARD_ASSETS_PREFIX = '/dashboard-assets/'
export const DASHBOARD_SCRIPT_PATH = `${DASHBOARD_ASSETS_PREFIX}dashboard.js`

/**
 * The files sit in the repository's `dashboard/` folder, served as they are (no build
 * step); this module is two levels below the root both in `src/` and in `dist/`.
 */
const ASSET_DIR = new URL('../../dashboard/', import.meta.url)

export const DASHBOARD_FAVICON_PATH = `${DASHBOARD_ASSETS_PREFIX}favicon.svg`

export interface DashboardAssets {
  readonly html: string
  readonly script: string
  readonly csp: string
  readonly favicon: string
}

/**
 * Reads the page once at start-up. The stylesheet is inlined so the CSP can name it by its
 * hash; `geoAttribution` (DB-IP's CC BY 4.0 credit) is written in, escaped, for the script
 * to show beside a country breakdown.
 */
export async function loadDashboardAssets(geoAttribution: string): Promise<DashboardAssets> {
  const [shell, css, script, favicon] = await Promise.all(['index.html', 'dashboard.css', 'dashboard.js', 'favicon.svg'].map((f) => readFile(new URL(f, ASSET_DIR), 'utf8')))
  const html = shell!
    .replace('<!--style-->', () => `<style>${css!}</style>`)
    .replace('<!--geo-credit-->', () => String(escaped`${geoAttribution}`))
  // img-src 'self': the favicon.
  return { html, script: script!, favicon: favicon!, csp: pageCsp(css!, { trustedTypes: true, images: true }) }
}
