/**
 * TAXII 2.1 filtering (§3.4) and `next` tokens: what each filter selects, that malformed
 * filters are 400, and that a token is honoured only for the query it was issued for.
 */
import { describe, expect, it } from 'vitest'
import { applyFilter, parseFilter, queryKey } from '../../node/taxii/filters.ts'
import { PageTokens } from '../../node/taxii/paging.ts'
import { TaxiiError } from '../../node/taxii/taxii-error.ts'
import { accepts, isObjectsContent, isTaxiiContent } from '../../node/taxii/media.ts'
import type { IndexEntry } from '../../node/taxii/object-index.ts'

const opts = { defaultLimit: 100, maxLimit: 1000 }
const entry = (id: string, version: string, at: number, type = id.split('--')[0], specVersion = '2.1'): IndexEntry => ({
  id,
  type,
  version,
  specVersion,
  at,
  digest: 'd'.repeat(64),
  index: at
})
const A = 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'
const B = 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'
const entries = [
  entry(A, '2026-01-01T00:00:00.000Z', 1),
  entry(B, '2026-01-01T00:00:00.000Z', 2),
  entry(A, '2026-01-02T00:00:00.000Z', 3),
  entry(A, '2026-01-03T00:00:00.000Z', 4),
  entry('tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', '2026-01-01T00:00:00.000Z', 5, 'tool', '2.0')
]
const f = (q: string): ReturnType<typeof parseFilter> => parseFilter(new URLSearchParams(q), opts)
const status = (q: string): number | undefined => {
  try {
    f(q)
    return undefined
  } catch (err) {
    return err instanceof TaxiiError ? err.status : -1
  }
}

describe('TAXII filters', () => {
  it('match[version] defaults to last; first, all and timestamps select those versions', () => {
    expect(applyFilter(entries, f('')).map(e => e.at)).toEqual([2, 4])
    expect(applyFilter(entries, f('match[version]=first')).map(e => e.at)).toEqual([1, 2])
    expect(applyFilter(entries, f('match[version]=all')).map(e => e.at)).toEqual([1, 2, 3, 4])
    expect(applyFilter(entries, f('match[version]=2026-01-02T00:00:00.000Z')).map(e => e.at)).toEqual([3])
    expect(applyFilter(entries, f('match[version]=first,last')).map(e => e.at)).toEqual([1, 2, 4])
  })

  it('match[id], match[type], match[spec_version] and added_after', () => {
    expect(applyFilter(entries, f(`match[id]=${B}`)).map(e => e.at)).toEqual([2])
    expect(applyFilter(entries, f('match[type]=indicator&match[version]=all')).map(e => e.at)).toEqual([1, 3, 4])
    expect(applyFilter(entries, f('match[spec_version]=2.0')).map(e => e.at)).toEqual([5])
    expect(applyFilter(entries, f(`added_after=${new Date(3).toISOString()}&match[version]=all`)).map(e => e.at)).toEqual([4])
    expect(f('limit=5000').limit).toBe(1000)
  })

  it('malformed, repeated or unknown parameters are 400', () => {
    for (
      const q of [
        'added_after=yesterday',
        'limit=0',
        'limit=1.5',
        'limit=-1',
        'match[id]=x',
        'match[type]=A',
        'match[version]=latest',
        'match[spec_version]=3.0',
        'match[colour]=red',
        'limit=1&limit=2'
      ]
    ) {
      expect(status(q), q).toBe(400)
    }
    expect(status('limit=10&match[type]=indicator,malware')).toBeUndefined()
  })

  it('an empty next is no next (MISP asks for its first page with next=)', () => {
    expect(f('limit=50&next=').next).toBeUndefined()
  })
})

describe('next tokens', () => {
  it('are honoured for the query they were issued for, and for nothing else', () => {
    const tokens = new PageTokens()
    const key = queryKey('c1', 'objects', f('match[type]=indicator'))
    const token = tokens.issue(key, { at: 3, digest: 'd'.repeat(64), index: 2 })
    expect(tokens.read(key, token)).toEqual({ at: 3, digest: 'd'.repeat(64), index: 2 })
    expect(tokens.read(queryKey('c1', 'objects', f('')), token)).toBeUndefined()
    expect(tokens.read(queryKey('c2', 'objects', f('match[type]=indicator')), token)).toBeUndefined()
    expect(tokens.read(key, token.slice(0, -2) + 'xx')).toBeUndefined()
    const [body, mac] = token.split('.')
    const forged = Buffer.from(JSON.stringify([key, 0, 'd'.repeat(64), 0])).toString('base64url')
    expect(tokens.read(key, `${forged}.${mac}`)).toBeUndefined()
    expect(tokens.read(key, body)).toBeUndefined()
    expect(new PageTokens().read(key, token)).toBeUndefined()
  })
})

describe('media types', () => {
  it('accepts TAXII 2.1, its unversioned form and wildcards; refuses others', () => {
    const t = 'application/taxii+json;version=2.1'
    expect(accepts(undefined, t)).toBe(true)
    expect(accepts('application/taxii+json;version=2.1', t)).toBe(true)
    expect(accepts('application/taxii+json', t)).toBe(true)
    expect(accepts('*/*', t)).toBe(true)
    expect(accepts('application/taxii+json;version=2.0', t)).toBe(false)
    expect(accepts('text/html', t)).toBe(false)
    expect(isTaxiiContent('application/taxii+json; version=2.1')).toBe(true)
    expect(isTaxiiContent('application/json')).toBe(false)
    expect(isTaxiiContent(undefined)).toBe(false)
    // A POST of objects also takes STIX 2.1 content (OpenCTI's TAXII POST connector).
    expect(isObjectsContent('application/stix+json; version=2.1')).toBe(true)
    expect(isObjectsContent('application/taxii+json;version=2.1')).toBe(true)
    expect(isObjectsContent('application/stix+json; version=2.0')).toBe(false)
    expect(isObjectsContent('application/json')).toBe(false)
  })
})
