import { parseArgs } from 'node:util'
import type { RetentionReport } from '../privacy/retention-job.js'
import type { Command } from './main.js'
import { withLinkprint } from './open-linkprint.js'

/**
 * `linkprint retention [--dry-run] [--days N] [--json]`: one retention run now, as the
 * server runs it hourly (for a cron job, or to see what RETENTION_DAYS would remove
 * before setting it). `--days` stands in for RETENTION_DAYS.
 */
export const retentionCommand: Command = async (args, io) => {
  const { values } = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, days: { type: 'string' }, json: { type: 'boolean' } } })
  const env = values.days === undefined ? io.env : { ...io.env, RETENTION_DAYS: values.days }
  return withLinkprint(env, async (lp) => {
    if (!lp.retention.enabled) {
      io.err('linkprint retention: RETENTION_DAYS is not set (or pass --days N); nothing is ever deleted without it')
      return 1
    }
    const report = await lp.retention.run({ dryRun: values['dry-run'] === true })
    if (values.json) io.out(JSON.stringify(reportJson(report)))
    else io.out(reportLine(report))
    return 0
  })
}

function reportJson(r: RetentionReport) {
  return { dryRun: r.dryRun, cutoff: new Date(r.cutoff).toISOString(), clicks: r.clicks, fingerprints: r.fingerprints, correlations: r.correlations, batches: r.batches, complete: r.complete, ms: r.ms }
}

function reportLine(r: RetentionReport): string {
  const what = `${r.clicks} clicks, ${r.fingerprints} fingerprints and ${r.correlations} correlations older than ${new Date(r.cutoff).toISOString()}`
  return r.dryRun ? `would delete ${what} (dry run: nothing deleted)` : `deleted ${what} (${r.batches} batches, ${r.ms} ms)`
}
