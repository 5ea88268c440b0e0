/**
 * TAXII 2.1 §3.4 filtering: `added_after`, `limit`, `next`, `match[id]`, `match[type]`,
 * `match[version]`, `match[spec_version]`. A malformed or unknown parameter is a TaxiiError
 * 400. `match[version]` defaults to `last`, `match[spec_version]` to the newest (2.1).
 *
 * @module
 */
import { TaxiiError } from './taxii-error.ts'

export interface Filter {
  addedAfter?: number
  limit: number
  next?: string
  ids?: Set<string>
  types?: Set<string>
  versions: string[]
  specVersions?: Set<string>
}

const KNOWN = new Set(['added_after', 'limit', 'next', 'match[id]', 'match[type]', 'match[version]', 'match[spec_version]'])
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/
const ID = /^[a-z][a-z0-9-]*--[0-9a-fA-F-]{36}$/
const TYPE = /^[a-z][a-z0-9-]{0,249}$/

const bad = (what: string): never => {
  throw new TaxiiError(400, 'Bad filter', what)
}

function list (params: URLSearchParams, name: string, rule: (s: string) => boolean): Set<string> | undefined {
  const v = params.get(name)
  if (v == null) return undefined
  const items = v.split(',')
  for (const item of items) if (!rule(item)) bad(`${name}: ${JSON.stringify(item)} is not valid`)
  return new Set(items)
}

export function parseFilter (params: URLSearchParams, opts: { defaultLimit: number, maxLimit: number, allowed?: readonly string[] }): Filter {
  const allowed = new Set(opts.allowed ?? KNOWN)
  for (const key of params.keys()) if (!allowed.has(key)) bad(`unknown parameter ${key}`)
  for (const key of new Set(params.keys())) if (params.getAll(key).length > 1) bad(`${key} given more than once`)
  const f: Filter = { limit: opts.defaultLimit, versions: ['last'] }
  const after = params.get('added_after')
  if (after != null) {
    if (!TIMESTAMP.test(after) || Number.isNaN(Date.parse(after))) bad('added_after is not an RFC 3339 UTC timestamp')
    f.addedAfter = Date.parse(after)
  }
  const limit = params.get('limit')
  if (limit != null) {
    if (!/^[1-9][0-9]{0,6}$/.test(limit)) bad('limit is not a positive integer')
    f.limit = Math.min(Number(limit), opts.maxLimit)
  }
  const next = params.get('next')
  // An empty next is no next: MISP sends its first page as `next=` (docs/taxii.md §4).
  if (next != null && next !== '') {
    if (next.length > 1024) bad('next is not a token this server issued')
    f.next = next
  }
  const ids = list(params, 'match[id]', s => ID.test(s))
  if (ids != null) f.ids = ids
  const types = list(params, 'match[type]', s => TYPE.test(s))
  if (types != null) f.types = types
  const versions = list(params, 'match[version]', s => s === 'first' || s === 'last' || s === 'all' || TIMESTAMP.test(s))
  if (versions != null) f.versions = [...versions]
  const specs = list(params, 'match[spec_version]', s => /^2\.[01]$/.test(s))
  if (specs != null) f.specVersions = specs
  return f
}

/** What filtering needs of an entry. */
export interface Filterable {
  id: string
  type: string
  version: string
  specVersion: string
  at: number
}

/** Whether a filter's `match[id]`, `match[type]` and `match[spec_version]` admit an entry. */
export function admits (e: Filterable, f: Filter): boolean {
  return (f.ids == null || f.ids.has(e.id)) &&
    (f.types == null || f.types.has(e.type)) &&
    (f.specVersions != null ? f.specVersions.has(e.specVersion) : e.specVersion === '2.1')
}

/**
 * Of the versions of one object (admitted entries, in date-added order), those
 * `match[version]` selects: `first`, `last` (equal versions: the earliest / latest added),
 * `all`, or equal timestamps.
 */
export function selectVersions<T extends Filterable> (versions: readonly T[], f: Filter): Set<T> {
  if (f.versions.includes('all') || versions.length === 0) return new Set(versions)
  const sorted = [...versions].sort((a, b) => Date.parse(a.version) - Date.parse(b.version))
  const keep = new Set<T>()
  for (const v of f.versions) {
    if (v === 'first') keep.add(sorted[0])
    else if (v === 'last') keep.add(sorted[sorted.length - 1])
    else for (const e of sorted) if (Date.parse(e.version) === Date.parse(v)) keep.add(e)
  }
  return keep
}

/** The entries a filter selects (before paging), in date-added order: the reference semantics the index follows. */
export function applyFilter<T extends Filterable> (entries: readonly T[], f: Filter): T[] {
  let out = entries.filter(e => admits(e, f))
  if (!f.versions.includes('all')) {
    const byId = new Map<string, T[]>()
    for (const e of out) byId.set(e.id, [...(byId.get(e.id) ?? []), e])
    const keep = new Set<T>()
    for (const versions of byId.values()) for (const e of selectVersions(versions, f)) keep.add(e)
    out = out.filter(e => keep.has(e))
  }
  if (f.addedAfter != null) out = out.filter(e => e.at > (f.addedAfter as number))
  return out
}

/** A stable description of the query a `next` token belongs to. */
export function queryKey (collection: string, endpoint: string, f: Filter): string {
  return JSON.stringify([collection, endpoint, f.addedAfter ?? null, [...(f.ids ?? [])], [...(f.types ?? [])], f.versions, [...(f.specVersions ?? [])]])
}
