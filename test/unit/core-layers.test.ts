import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/** The core: what a click travels through. It depends on nothing above it (jobs, HTTP, the CLI, the composition root). */
const CORE = ['signals', 'identity', 'decisions', 'storage']
const ABOVE = /from '(?:\.\.\/)+(?:jobs|http|cli)\/|from '(?:\.\.\/)+linkprint\.js'/

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}

describe('the core', () => {
  it('imports no job, HTTP plugin, CLI command or the composition root', () => {
    const offending = CORE.flatMap((folder) => sources(join('src', folder)))
      .flatMap((file) => readFileSync(file, 'utf8').split('\n').filter((line) => ABOVE.test(line)).map((line) => `${relative('src', file)}: ${line.trim()}`))
    expect(offending).toEqual([])
  })
})
