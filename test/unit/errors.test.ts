import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERRORS } from '../../src/errors.js'

describe('error codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  it.each(Object.entries(ERRORS))('%s is documented with its status', (code, { status }) => {
    expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\| \\S`))
  })
  it('every client error is a 4xx (503s are the service\'s own dependencies, retried later)', () => {
    for (const [code, { status }] of Object.entries(ERRORS)) if (code !== 'INTERNAL' && ERRORS[code as keyof typeof ERRORS].status !== 503) expect(status).toBeLessThan(500)
  })
})
