/**
 * TAXII 2.1 §3.4 filtering: `added_after`, `limit`, `next`, `match[id]`, `match[type]`,
 * `match[version]`, `match[spec_version]`. A malformed or unknown parameter is a TaxiiError
 * 400. `match[version]` defaults to `last`, `match[spec_version]` to the newest (2.1).
 *
 * @module
 */
import type { CollectionEntry } from './collection-view.ts'
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

const bad = (what: string): never => { throw new TaxiiError(400, 'Bad filter', what) }

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
  if (next != null) {
    if (next === '' || next.length > 1024) bad('next is not a token this server issued')
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

/** The entries a filter selects (before paging), in date-added order. */
export function applyFilter (entries: readonly CollectionEntry[], f: Filter): CollectionEntry[] {
  let out = entries.filter(e =>
    (f.ids == null || f.ids.has(e.id)) &&
    (f.types == null || f.types.has(e.type)) &&
    (f.specVersions == null || f.specVersions.has(e.specVersion)))
  if (f.specVersions == null) out = out.filter(e => e.specVersion === '2.1')
  if (!f.versions.includes('all')) {
    const byId = new Map<string, CollectionEntry[]>()
    for (const e of out) byId.set(e.id, [...(byId.get(e.id) ?? []), e])
    const keep = new Set<CollectionEntry>()
    for (const versions of byId.values()) {
      const sorted = [...versions].sort((a, b) => Date.parse(a.version) - Date.parse(b.version))
      for (const v of f.versions) {
        if (v === 'first') keep.add(sorted[0])
        else if (v === 'last') keep.add(sorted[sorted.length - 1])
        else for (const e of sorted) if (Date.parse(e.version) === Date.parse(v)) keep.add(e)
      }
    }
    out = out.filter(e => keep.has(e))
  }
  if (f.addedAfter != null) out = out.filter(e => e.at > (f.addedAfter as number))
  return out
}

/** A stable description of the query a `next` token belongs to. */
export function queryKey (collection: string, endpoint: string, f: Filter): string {
  return JSON.stringify([collection, endpoint, f.addedAfter ?? null, [...(f.ids ?? [])], [...(f.types ?? [])], f.versions, [...(f.specVersions ?? [])]])
}
