import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** A script the service sends to browsers, with the version its long-cached URL carries. */
export interface BrowserScript {
  readonly code: string
  /** A digest of the code: a new build is a new URL, so a cached copy is never stale. */
  readonly version: string
}

export interface BrowserScripts {
  /** The SDK, `GET /sdk/linkprint.js`. */
  readonly sdk: BrowserScript
  /** The script of `/dashboard/test-enhanced-fingerprint`. */
  readonly testPage: BrowserScript
  /** The bridge page's inline script (src/bridge). */
  readonly bridge: BrowserScript
}

type Name = keyof BrowserScripts

/** Entry points in src/sdk/browser/ and the files the build writes to dist/sdk/bundles/. */
export const BROWSER_ENTRIES: Readonly<Record<Name, { readonly source: string; readonly built: string }>> = {
  sdk: { source: 'index.ts', built: 'linkprint.js' },
  testPage: { source: 'test-page.ts', built: 'test-enhanced-fingerprint.js' },
  bridge: { source: 'bridge-page.ts', built: 'bridge-page.js' },
}

let loaded: Promise<BrowserScripts> | null = null

/**
 * The browser scripts, once per process. The service run from dist/ reads what
 * `npm run build` bundled beside this module (dist/sdk/bundles/); run from src/ (tsx, the
 * tests) there is nothing beside it, and the TypeScript sources are bundled in memory
 * with esbuild (a development dependency, as tsx is) — so a test can never be served a
 * stale build, and a production install needs no bundler.
 */
export function browserScripts(): Promise<BrowserScripts> {
  loaded ??= load().catch((error: unknown) => {
    loaded = null
    throw error
  })
  return loaded
}

async function load(): Promise<BrowserScripts> {
  const built = await readBuilt(new URL('./bundles/', import.meta.url))
  if (built) return built
  const sources = new URL('./browser/', import.meta.url)
  // dist/ compiled by tsc alone (not `npm run build`) has neither the bundles nor the sources.
  if (!existsSync(new URL(BROWSER_ENTRIES.sdk.source, sources))) throw new Error(`The browser SDK is not built: no ${fileURLToPath(new URL('./bundles/', import.meta.url))}; run npm run build`)
  const code = await bundleBrowserScripts(fileURLToPath(sources))
  return scripts(code)
}

async function readBuilt(dir: URL): Promise<BrowserScripts | null> {
  try {
    const names = Object.keys(BROWSER_ENTRIES) as Name[]
    const code = await Promise.all(names.map((name) => readFile(new URL(BROWSER_ENTRIES[name].built, dir), 'utf8')))
    return scripts(Object.fromEntries(names.map((name, i) => [name, code[i]!])) as Record<Name, string>)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/**
 * Bundles each entry with what it imports into one self-contained script (an IIFE: no
 * globals but the one the SDK sets on purpose, `window.linkprint`), for the browsers of
 * the last few years (ES2020: optional chaining, BigInt-free).
 */
export async function bundleBrowserScripts(sourceDir: string): Promise<Record<Name, string>> {
  const { build } = await import('esbuild')
  const out = {} as Record<Name, string>
  for (const name of Object.keys(BROWSER_ENTRIES) as Name[]) {
    const result = await build({
      entryPoints: [`${sourceDir}/${BROWSER_ENTRIES[name].source}`],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: ['es2020'],
      minify: true,
      legalComments: 'none',
      charset: 'utf8',
      write: false,
      logLevel: 'silent',
    })
    out[name] = result.outputFiles[0]!.text
  }
  return out
}

function scripts(code: Record<Name, string>): BrowserScripts {
  return { sdk: script(code.sdk), testPage: script(code.testPage), bridge: script(code.bridge) }
}

function script(code: string): BrowserScript {
  return { code, version: createHash('sha256').update(code).digest('base64url').slice(0, 16) }
}
