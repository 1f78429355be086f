/**
 * npx tsx bench/device-hash-crowds.ts [--profiles mixed,office,household,mobile] [--shares 0.8,1] [--seed 42]
 *
 * How many simulated devices share their SDK device hash with another device, and how many
 * send more than one (bench/accuracy's population, hashed by bench/accuracy/sdk-signals.ts
 * with the SDK's own code). Share 1 is every new browser context running the SDK (the bridge).
 */
import { parseArgs } from 'node:util'
import { simulate } from './accuracy/simulate.js'
import type { ProfileName } from './accuracy/profiles.js'

const { values } = parseArgs({ options: { profiles: { type: 'string', default: 'mixed,office,household,mobile' }, shares: { type: 'string', default: '0.8,1' }, seed: { type: 'string', default: '42' } } })

console.log('| profile | SDK share | SDK devices | sharing their device hash | sending more than one | distinct hashes | largest crowd on one hash |')
console.log('|---|---|---|---|---|---|---|')
for (const profile of values.profiles.split(',') as ProfileName[]) {
  for (const sdkShare of values.shares.split(',').map(Number)) {
    const sim = simulate({ profile, seed: values.seed, sdkShare })
    const truth = new Map(sim.truth.map((t) => [t.id, t]))
    const devicesOf = new Map<string, Set<string>>()
    const hashesOf = new Map<string, Set<string>>()
    for (const c of sim.clicks) {
      const t = truth.get(c.id)
      const hash = c.headers['x-device-fingerprint']
      if (!t || t.bot || !hash) continue
      if (!devicesOf.has(hash)) devicesOf.set(hash, new Set())
      devicesOf.get(hash)!.add(t.deviceId)
      if (!hashesOf.has(t.deviceId)) hashesOf.set(t.deviceId, new Set())
      hashesOf.get(t.deviceId)!.add(hash)
    }
    const devices = [...hashesOf.values()]
    const sharing = devices.filter((hashes) => [...hashes].some((h) => devicesOf.get(h)!.size > 1)).length
    const several = devices.filter((hashes) => hashes.size > 1).length
    const pct = (n: number) => `${((100 * n) / devices.length).toFixed(1)} %`
    console.log(`| ${profile} | ${sdkShare} | ${devices.length} | ${sharing} (${pct(sharing)}) | ${several} (${pct(several)}) | ${devicesOf.size} | ${Math.max(...[...devicesOf.values()].map((s) => s.size))} |`)
  }
}
