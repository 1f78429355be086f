import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { BROWSER_ENTRIES, bundleBrowserScripts } from './browser-scripts.js'

/**
 * The build's second step (`npm run build`, after tsc): bundles src/sdk/browser/ into
 * dist/sdk/bundles/, where browser-scripts.ts finds it when the service runs from dist/.
 * Run as dist/sdk/build-browser-scripts.js, so the sources are two levels up in src/.
 */
const here = new URL('.', import.meta.url)
const code = await bundleBrowserScripts(fileURLToPath(new URL('../../src/sdk/browser/', here)))
const out = new URL('./bundles/', here)
await mkdir(out, { recursive: true })
for (const [name, entry] of Object.entries(BROWSER_ENTRIES)) {
  await writeFile(new URL(entry.built, out), code[name as keyof typeof code])
}
