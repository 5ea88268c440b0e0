/**
 * From a request to a route's handler: match the path against the table's templates, then
 * check path parameters, query and body against the route's schemas — all before the
 * handler runs. Any failure is `NodeError('BAD_ARGUMENT')` (400) whose details list every
 * offending field as a ValidationIssue: which part of the request (`path`, `query`, `body`),
 * a JSON Pointer to the field, and whether it is missing, unknown or invalid.
 *
 * @module
 */
import type { z } from 'zod'
import { NodeError, type ValidationIssue } from '../errors.ts'
import type { Route } from './route.ts'

/** The details of BAD_ARGUMENT from request validation (defined with the other per-code details in node/errors.ts). */
export type { ValidationIssue }

interface Compiled {
  route: Route
  /** Literal segment, or null for a parameter. */
  segments: Array<string | null>
  names: string[]
}

export interface Matched {
  route: Route
  params: Record<string, string>
}

export class RouteMatcher {
  private readonly compiled: Compiled[]

  constructor (routes: readonly Route[]) {
    this.compiled = routes.map(route => {
      const names: string[] = []
      const segments = route.path.split('/').slice(1).map(s => {
        const m = /^\{(\w+)\}$/.exec(s)
        if (m == null) return s
        names.push(m[1])
        return null
      })
      return { route, segments, names }
    })
  }

  /**
   * The route for (method, pathname): literal segments win over parameters. Undefined when no
   * template matches; NOT_FOUND naming the allowed methods when only the method is wrong.
   */
  match (method: string, pathname: string): Matched | undefined {
    const parts = pathname.split('/').slice(1)
    let best: { c: Compiled, literals: number } | undefined
    const allowed = new Set<string>()
    for (const c of this.compiled) {
      if (c.segments.length !== parts.length) continue
      let literals = 0
      let ok = true
      for (let i = 0; i < parts.length && ok; i++) {
        const s = c.segments[i]
        if (s === null) ok = parts[i] !== ''
        else if (s === parts[i]) literals++
        else ok = false
      }
      if (!ok) continue
      if (c.route.method !== method) {
        allowed.add(c.route.method)
        continue
      }
      if (best == null || literals > best.literals) best = { c, literals }
    }
    if (best == null) {
      if (allowed.size > 0) throw new NodeError('NOT_FOUND', `no route ${method} ${pathname}; it accepts ${[...allowed].join(', ')}`)
      return undefined
    }
    const params: Record<string, string> = {}
    let i = 0
    for (const [k, s] of best.c.segments.entries()) {
      if (s !== null) continue
      const raw = parts[k]
      try {
        params[best.c.names[i++]] = decodeURIComponent(raw)
      } catch {
        throw new NodeError('BAD_ARGUMENT', `path segment ${raw} is not valid percent-encoding`, {
          details: [{ in: 'path', path: '/' + best.c.names[i - 1], problem: 'invalid', message: 'not valid percent-encoded UTF-8' }] satisfies ValidationIssue[]
        })
      }
    }
    return { route: best.c.route, params }
  }
}

/** Query parameters as an object: a key given once is a string, given more often an array. */
export function queryObject (search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const key of new Set(search.keys())) {
    const all = search.getAll(key)
    out[key] = all.length === 1 ? all[0] : all
  }
  return out
}

/** Validated input of a matched route; throws BAD_ARGUMENT with every issue found. */
export function validateInput (
  route: Route,
  raw: { params: Record<string, string>, query: Record<string, string | string[]>, body: unknown }
): { params: unknown, query: unknown, body: unknown } {
  const issues: ValidationIssue[] = []
  const params = check('path', route.params, raw.params, issues)
  const query = check('query', route.query, raw.query, issues)
  let body: unknown
  if (route.body == null) {
    if (raw.body !== undefined) issues.push({ in: 'body', path: '', problem: 'unknown', message: `${route.method} ${route.path} takes no request body` })
  } else {
    body = check('body', route.body, raw.body, issues)
  }
  if (issues.length > 0) {
    throw new NodeError('BAD_ARGUMENT', `invalid request: ${issues.map(describe).join('; ')}`, { details: issues })
  }
  return { params, query, body }
}

function check (part: ValidationIssue['in'], schema: z.ZodType | undefined, value: unknown, issues: ValidationIssue[]): unknown {
  if (schema == null) {
    // No schema: the part must be empty (no query parameters, no path parameters).
    for (const key of Object.keys(value as object)) {
      issues.push({
        in: part,
        path: pointer([key]),
        problem: 'unknown',
        message: `${part === 'query' ? 'query parameter' : 'parameter'} ${key} is not accepted here`
      })
    }
    return {}
  }
  const result = schema.safeParse(value)
  if (result.success) return result.data
  for (const issue of result.error.issues) issues.push(...toIssues(part, issue, value))
  return undefined
}

function toIssues (part: ValidationIssue['in'], issue: z.core.$ZodIssue, root: unknown): ValidationIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map(key => ({ in: part, path: pointer([...issue.path, key]), problem: 'unknown' as const, message: `${key} is not a known field` }))
  }
  const missing = valueAt(root, issue.path) === undefined
  return [{ in: part, path: pointer(issue.path), problem: missing ? 'missing' : 'invalid', message: missing ? 'required' : issue.message }]
}

function valueAt (root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root
  for (const k of path) {
    if (v == null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
export function pointer (path: readonly PropertyKey[]): string {
  return path.map(k => '/' + String(k).replaceAll('~', '~0').replaceAll('/', '~1')).join('')
}

function describe (i: ValidationIssue): string {
  const where = i.in + (i.path === '' ? '' : i.path)
  return i.problem === 'missing' ? `${where}: required` : i.problem === 'unknown' ? `${where}: not allowed` : `${where}: ${i.message}`
}
