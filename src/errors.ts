/**
 * Every error a client can see, with its stable code. docs/errors.md documents each one
 * and a test keeps the two in step.
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid' },
  INVALID_JSON: { status: 400, message: 'The body is not valid JSON' },
  INVALID_URL: { status: 400, message: 'The URL must be an absolute http(s) URL' },
  URL_TOO_LONG: { status: 400, message: 'The URL is longer than 2048 characters' },
  URL_SCHEME_NOT_ALLOWED: { status: 400, message: 'Only http and https URLs can be shortened' },
  URL_SELF_REFERENCE: { status: 400, message: 'A link cannot point back at this shortener' },
  INVALID_SLUG: { status: 400, message: 'Slugs use letters, digits, "-" and "_", 1 to 64 characters' },
  SLUG_RESERVED: { status: 400, message: 'This slug is reserved' },
  SLUG_TAKEN: { status: 409, message: 'This slug is already taken' },
  MIGRATION_RUNNING: { status: 409, message: 'A fingerprint migration is already running' },
  MIGRATION_UNAVAILABLE: { status: 409, message: 'This server runs an identity engine supplied by its embedder, which the migration cannot rebuild' },
  INVALID_CURSOR: { status: 400, message: 'The pagination cursor is not valid' },
  INVALID_RANGE: { status: 400, message: 'The time range is not valid' },
  UNAUTHORIZED: { status: 401, message: 'Authentication is required' },
  INVALID_TOKEN: { status: 401, message: 'The token or API key is not valid' },
  INVALID_CREDENTIALS: { status: 401, message: 'Email or password is wrong' },
  TOKEN_EXPIRED: { status: 401, message: 'The access token has expired; recover the session or log in again' },
  SESSION_INVALID: { status: 401, message: 'The session id is not valid' },
  SESSION_EXPIRED: { status: 401, message: 'The session reached its maximum lifetime; log in again' },
  FINGERPRINT_INVALID: { status: 401, message: 'A valid X-Device-Fingerprint is required' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this' },
  DEVICE_MISMATCH: { status: 403, message: 'This device is not the one the session is bound to' },
  SESSION_NOT_RECOVERABLE: { status: 403, message: 'This session cannot be recovered' },
  TOKEN_NOT_REFRESHABLE: { status: 403, message: 'API keys do not expire and cannot be refreshed; only login tokens can' },
  VISITOR_COOKIE_MISSING: { status: 401, message: 'No device_fp cookie was sent: this browser has no visitor data to show or delete' },
  VISITOR_COOKIE_INVALID: { status: 401, message: 'The device_fp cookie is not one this server issued' },
  LINK_NOT_FOUND: { status: 404, message: 'No link has this slug' },
  VISITOR_NOT_FOUND: { status: 404, message: 'Nothing is stored for this visitor' },
  API_KEY_NOT_FOUND: { status: 404, message: 'No API key of yours has this id' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here' },
  LINK_EXPIRED: { status: 410, message: 'This link has expired' },
  LINK_EXHAUSTED: { status: 410, message: 'This link has reached its click limit' },
  BODY_TOO_LARGE: { status: 413, message: 'The body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The body must be JSON' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is shutting down or not ready' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'The database cannot be reached or cannot write now; retry later' },
  REDIS_UNAVAILABLE: { status: 503, message: 'The session store (Redis) cannot be reached now; retry later' },
  SERVER_BUSY: { status: 503, message: 'Too many password checks are running; retry shortly' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ERRORS

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details: unknown

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERRORS[code].message)
    this.name = 'AppError'
    this.code = code
    this.status = ERRORS[code].status
    this.details = details
  }
}

export function errorBody(code: ErrorCode, message?: string, details?: unknown) {
  return { error: { code, message: message ?? ERRORS[code].message, ...(details === undefined ? {} : { details }) } }
}
