import type { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Linkprint } from '../../linkprint.js'
import { AppError } from '../../errors.js'
import { IMPORT_READERS } from '../../jobs/import/import-readers.js'
import { importLinks } from '../../jobs/import/import-links.js'
import { IMPORT_COLUMNS } from '../../jobs/import/import-row.js'
import { principalOf } from './authentication-plugin.js'

/** Bytes an import may declare up front: a million lines of ~250 bytes. */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024

const FailureSchema = {
  type: 'object',
  properties: { line: { type: 'integer', description: '1-based, the CSV header being line 1' }, code: { type: 'string' }, message: { type: 'string' } },
}

/**
 * `POST /api/links/import`: CSV (header row) or NDJSON, streamed through the import job
 * (src/jobs/import) without ever holding the body: the parsers here hand the request
 * stream over as it is, in this plugin only, so every other route still takes JSON alone.
 */
export type LinkImportPluginOptions = Pick<Linkprint, 'links' | 'storage'>

export const linkImportPlugin = fp(async function linkImport(app: FastifyInstance, services: LinkImportPluginOptions) {
  app.addContentTypeParser(['text/csv', 'application/x-ndjson'], (_request, payload, done) => done(null, payload))

  app.post('/api/links/import', {
    onRequest: [app.requireUser, async (request) => {
      const length = Number(request.headers['content-length'])
      if (Number.isFinite(length) && length > MAX_IMPORT_BYTES) throw new AppError('IMPORT_TOO_LARGE', `An import is at most ${MAX_IMPORT_BYTES / 1024 / 1024} MiB`)
    }],
    schema: {
      summary: 'Imports links from CSV or NDJSON',
      description: `CSV with a header row naming some of ${IMPORT_COLUMNS.join(', ')} (tags comma-separated, quoted), or NDJSON with those fields. A slug already on its domain is skipped.`,
      consumes: ['text/csv', 'application/x-ndjson'],
      response: {
        200: {
          type: 'object',
          properties: { created: { type: 'integer' }, skipped: { type: 'integer' }, failed: { type: 'array', items: FailureSchema }, failedCount: { type: 'integer' } },
        },
      },
    },
  }, async (request) => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    const body = request.body as Readable | undefined
    if (!body || typeof (body as Readable).pipe !== 'function' || (type !== 'text/csv' && type !== 'application/x-ndjson')) throw new AppError('UNSUPPORTED_MEDIA_TYPE')
    const { links, storage } = services
    return importLinks({
      input: body,
      reader: type === 'text/csv' ? IMPORT_READERS.linkprint : IMPORT_READERS['linkprint-ndjson'],
      owner: principalOf(request).user,
      links,
      batches: storage.linkBatches,
      requestHost: request.host,
    })
  })
}, { name: 'linkprint-link-import', dependencies: ['linkprint-errors', 'linkprint-authentication'], encapsulate: true })
