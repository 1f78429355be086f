/** The part of an Ajv error object the message needs. */
export interface SchemaError {
  readonly instancePath: string
  readonly keyword: string
  readonly message?: string
  readonly params?: Record<string, unknown>
}

export interface ValidationProblem {
  readonly path: string
  readonly message: string
}

/**
 * One sentence per field that failed, as a user would write it. A union schema makes
 * Ajv report every branch that failed plus the union itself ("must be equal to constant"
 * four times, "must be null", "must match a schema in anyOf" for `redirectStatus: 303`);
 * those are said once: the allowed values for a union of constants ("must be one of 301,
 * 302, 307, 308"), the non-null branch's reason for a nullable field.
 */
export function validationProblems(errors: readonly SchemaError[]): ValidationProblem[] {
  const byPath = new Map<string, SchemaError[]>()
  for (const error of errors) {
    const missing = error.keyword === 'required' ? error.params?.missingProperty : undefined
    const path = typeof missing === 'string' ? `${error.instancePath}/${missing}` : error.instancePath
    const group = byPath.get(path)
    if (group) group.push(error)
    else byPath.set(path, [error])
  }
  return [...byPath].map(([path, group]) => ({ path, message: describe(group) }))
}

/** `body/redirectStatus must be one of 301, 302, 307, 308` — the context, each field's path and its problem. */
export function validationMessage(context: string, problems: readonly ValidationProblem[]): string {
  return problems.map((p) => `${context}${p.path} ${p.message}`).join('; ')
}

function describe(group: readonly SchemaError[]): string {
  const union = group.some((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
  if (!union) return unique(group.map(plainMessage)).join(', ')
  const branches = group.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf')
  const nullable = branches.some(isNullBranch)
  const constants = branches.filter((e) => e.keyword === 'const' || e.keyword === 'enum')
  const others = branches.filter((e) => !isNullBranch(e) && !constants.includes(e))
  const orNull = nullable ? ' (or null)' : ''
  if (constants.length > 0 && others.length === 0) {
    const values = constants.flatMap((e) => (e.keyword === 'const' ? [e.params?.allowedValue] : ((e.params?.allowedValues as unknown[]) ?? [])))
    return `must be one of ${unique(values.map((v) => JSON.stringify(v))).join(', ')}${orNull}`
  }
  if (others.length > 0) return `${unique(others.map(plainMessage)).join(', ')}${orNull}`
  return 'does not match any allowed form'
}

/** Ajv's own words, but for the empty update ("must NOT have fewer than 1 properties") and an unknown field. */
function plainMessage(error: SchemaError): string {
  if (error.keyword === 'minProperties' && error.params?.limit === 1) return 'must name at least one field'
  // Ajv's "must NOT have additional properties" leaves the user to guess which one.
  if (error.keyword === 'additionalProperties' && typeof error.params?.additionalProperty === 'string') return `has no field "${error.params.additionalProperty}"`
  return error.message ?? 'is not valid'
}

function isNullBranch(error: SchemaError): boolean {
  return error.keyword === 'type' && error.params?.type === 'null'
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)]
}
