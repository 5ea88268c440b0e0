import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { RouteMatcher, pointer, queryObject, validateInput } from '../../node/api/dispatch.ts'
import { defineRoute } from '../../node/api/route.ts'
import { STATUS_BY_CODE } from '../../node/api/server.ts'
import { NodeError, httpStatus, type ErrorCode } from '../../node/errors.ts'

const route = (method: 'GET' | 'POST', path: string, extra: object = {}): ReturnType<typeof defineRoute> =>
  defineRoute({ method, path, operationId: path, summary: path, tags: ['t'], response: z.unknown(), handler: async () => null, ...extra })

function issues (fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(NodeError)
    expect((err as NodeError).code).toBe('BAD_ARGUMENT')
    return (err as NodeError).details
  }
  throw new Error('no error')
}

describe('matching a request to the route table', () => {
  const fromCard = route('POST', '/v1/peers/from-card')
  const byId = route('GET', '/v1/peers/{peerId}')
  const status = route('POST', '/v1/peers/{peerId}')
  const m = new RouteMatcher([byId, status, fromCard])

  it('prefers a literal segment to a parameter, whatever the order of the table', () => {
    expect(m.match('POST', '/v1/peers/from-card')?.route).toBe(fromCard)
    expect(m.match('POST', '/v1/peers/abc')).toEqual({ route: status, params: { peerId: 'abc' } })
    expect(m.match('GET', '/v1/peers/from-card')).toEqual({ route: byId, params: { peerId: 'from-card' } })
  })

  it('decodes parameters, and answers malformed percent-encoding with 400, not 500', () => {
    expect(m.match('GET', '/v1/peers/a%2Fb%20c')?.params).toEqual({ peerId: 'a/b c' })
    expect(issues(() => m.match('GET', '/v1/peers/%zz'))).toEqual([{ in: 'path', path: '/peerId', problem: 'invalid', message: expect.any(String) }])
  })

  it('matches no empty segment, no extra segment; a wrong method names the accepted ones', () => {
    expect(m.match('GET', '/v1/peers/')).toBeUndefined()
    expect(m.match('GET', '/v1/peers/a/b')).toBeUndefined()
    expect(() => m.match('DELETE', '/v1/peers/a')).toThrow(/accepts GET, POST/)
  })
})

describe('validating a matched request', () => {
  const r = route('POST', '/x/{id}', {
    params: z.strictObject({ id: z.string().regex(/^\d+$/) }),
    query: z.strictObject({ limit: z.string().regex(/^[1-9]\d*$/).transform(Number).optional() }),
    body: z.strictObject({ kind: z.enum(['a', 'b']), to: z.array(z.string().min(2)), 'a/b~c': z.number().optional() })
  })

  it('returns transformed input when everything passes', () => {
    expect(validateInput(r, { params: { id: '7' }, query: { limit: '5' }, body: { kind: 'a', to: ['xy'] } })).toEqual({
      params: { id: '7' },
      query: { limit: 5 },
      body: { kind: 'a', to: ['xy'] }
    })
  })

  it('reports every issue with its part, JSON Pointer and problem', () => {
    expect(issues(() => validateInput(r, { params: { id: 'x' }, query: { limit: 'abc', colour: 'red' }, body: { to: ['xy', 'z'], colour: 1, 'a/b~c': 'no' } })))
      .toEqual([
        { in: 'path', path: '/id', problem: 'invalid', message: expect.any(String) },
        { in: 'query', path: '/limit', problem: 'invalid', message: expect.any(String) },
        { in: 'query', path: '/colour', problem: 'unknown', message: expect.any(String) },
        { in: 'body', path: '/kind', problem: 'missing', message: 'required' },
        { in: 'body', path: '/to/1', problem: 'invalid', message: expect.any(String) },
        { in: 'body', path: '/a~1b~0c', problem: 'invalid', message: expect.any(String) },
        { in: 'body', path: '/colour', problem: 'unknown', message: expect.any(String) }
      ])
  })

  it('refuses a body on a route that takes none, and a missing body on one that needs it', () => {
    expect(issues(() => validateInput(route('GET', '/y'), { params: {}, query: {}, body: {} }))).toEqual([{
      in: 'body',
      path: '',
      problem: 'unknown',
      message: expect.any(String)
    }])
    expect(issues(() => validateInput(r, { params: { id: '1' }, query: {}, body: undefined }))).toEqual([{
      in: 'body',
      path: '',
      problem: 'missing',
      message: 'required'
    }])
  })

  it('refuses any query parameter on a route without a query schema, and a repeated one where one is expected', () => {
    expect(issues(() => validateInput(route('GET', '/y'), { params: {}, query: { a: '1' }, body: undefined }))).toEqual([{
      in: 'query',
      path: '/a',
      problem: 'unknown',
      message: expect.any(String)
    }])
    const q = queryObject(new URLSearchParams('limit=1&limit=2&x=3'))
    expect(q).toEqual({ limit: ['1', '2'], x: '3' })
    expect(issues(() => validateInput(r, { params: { id: '1' }, query: { limit: q.limit }, body: { kind: 'a', to: [] } }))).toEqual([{
      in: 'query',
      path: '/limit',
      problem: 'invalid',
      message: expect.any(String)
    }])
  })

  it('escapes JSON Pointers per RFC 6901', () => {
    expect(pointer([])).toBe('')
    expect(pointer(['a/b', '~', 0])).toBe('/a~1b/~0/0')
  })
})

describe('docs/api.md', () => {
  it('lists the HTTP status of every code the server maps', async () => {
    const docs = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8')
    const line = /Status by code:([\s\S]*?)\n\n/.exec(docs)?.[1] ?? ''
    for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
      const at = line.indexOf(`\`${code}\``)
      expect(at, `${code} is not in docs/api.md's status list`).toBeGreaterThan(0)
      const before = line.slice(0, at).match(/\b(\d{3})\b/g) ?? []
      expect(Number(before.at(-1)), `${code} should be listed under ${String(status)}`).toBe(status)
    }
    // The 422 codes it names as examples (RECIPIENT_REFUSED, …) stand under 422.
    const named = [...line.matchAll(/`([A-Z_]+)`/g)].map(m => m[1]).filter(code => !(code in STATUS_BY_CODE))
    expect(named).toContain('RECIPIENT_REFUSED')
    for (const code of named) {
      expect(httpStatus(code as ErrorCode), code).toBe(422)
      const before = line.slice(0, line.indexOf(`\`${code}\``)).match(/\b(\d{3})\b/g) ?? []
      expect(Number(before.at(-1)), `${code} should be listed under 422`).toBe(422)
    }
  })
})
