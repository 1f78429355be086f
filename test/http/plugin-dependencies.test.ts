import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { errorHandlingPlugin } from '../../src/http/plugins/error-handling-plugin.js'
import { linksPlugin, type LinksPluginOptions } from '../../src/http/plugins/links-plugin.js'

describe('plugin dependencies', () => {
  it('a plugin registered without the plugins it depends on stops the start, naming what is missing', async () => {
    const app = Fastify()
    await app.register(errorHandlingPlugin)
    // Checked before the plugin runs: its options are never read.
    await expect(app.register(linksPlugin, {} as LinksPluginOptions)).rejects.toThrow("The dependency 'linkprint-authentication' of plugin 'linkprint-links' is not registered")
    await app.close()
  })
})
