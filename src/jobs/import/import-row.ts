import { AppError, type ErrorCode } from '../../errors.js'
import type { LinkInput } from '../../links/link-service.js'
import type { RedirectStatus } from '../../storage/storage.js'

/** The columns of an import, in the order a CSV template lists them. */
export const IMPORT_COLUMNS = ['url', 'slug', 'tags', 'expiresAt', 'maxClicks', 'redirectStatus', 'domain'] as const
export type ImportColumn = (typeof IMPORT_COLUMNS)[number]

/** One line of an import: its 1-based line number and its fields as read (CSV text or NDJSON values). */
export interface ImportRow {
  line: number
  fields: Partial<Record<ImportColumn, unknown>>
}

/** A line that was not imported, with why. */
export interface ImportFailure {
  line: number
  code: ErrorCode
  message: string
}

export type ImportItem = ImportRow | ImportFailure

export function isFailure(item: ImportItem): item is ImportFailure {
  return 'code' in item
}

/**
 * A line's fields as a link input; what the link service then checks as it checks the API's
 * (URL, slug, tags, expiry in the future, domain). Empty CSV cells are absent. Tags are a
 * comma-separated text (CSV) or an array (NDJSON).
 */
export function linkInputOf(fields: ImportRow['fields']): LinkInput {
  const text = (name: ImportColumn, max: number): string | undefined => {
    const value = fields[name]
    if (value === undefined || value === null || value === '') return undefined
    if (typeof value !== 'string') throw new AppError('VALIDATION_FAILED', `${name} must be text`)
    if (value.length > max) throw new AppError('VALIDATION_FAILED', `${name} is longer than ${max} characters`)
    return value.trim()
  }
  const integer = (name: ImportColumn): number | undefined => {
    const value = fields[name]
    if (value === undefined || value === null || value === '') return undefined
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d{1,13}\s*$/.test(value) ? Number(value) : NaN
    if (!Number.isSafeInteger(n)) throw new AppError('VALIDATION_FAILED', `${name} must be a whole number`)
    return n
  }
  const url = text('url', 4096)
  if (url === undefined) throw new AppError('VALIDATION_FAILED', 'url is required')
  const input: LinkInput = { url }
  const slug = text('slug', 200)
  if (slug !== undefined) input.slug = slug
  const tags = fields.tags
  if (Array.isArray(tags)) {
    if (tags.length > 50 || tags.some((t) => typeof t !== 'string')) throw new AppError('VALIDATION_FAILED', 'tags must be up to 50 texts')
    input.tags = tags as string[]
  } else {
    const list = text('tags', 2000)
    if (list !== undefined) input.tags = list.split(',').map((t) => t.trim()).filter((t) => t !== '')
  }
  const expiresAt = text('expiresAt', 40)
  if (expiresAt !== undefined) {
    const ms = /^\d{4}-\d{2}-\d{2}T/.test(expiresAt) ? Date.parse(expiresAt) : NaN
    if (!Number.isFinite(ms)) throw new AppError('VALIDATION_FAILED', 'expiresAt must be an ISO 8601 date-time')
    input.expiresAt = ms
  }
  const maxClicks = integer('maxClicks')
  if (maxClicks !== undefined) {
    if (maxClicks < 1) throw new AppError('VALIDATION_FAILED', 'maxClicks must be 1 or more')
    input.maxClicks = maxClicks
  }
  const status = integer('redirectStatus')
  if (status !== undefined) {
    if (![301, 302, 307, 308].includes(status)) throw new AppError('VALIDATION_FAILED', 'redirectStatus must be one of 301, 302, 307, 308')
    input.redirectStatus = status as RedirectStatus
  }
  const domain = text('domain', 260)
  if (domain !== undefined) input.domain = domain
  return input
}
