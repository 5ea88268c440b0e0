import { describe, expect, it } from 'vitest'
import type { IncomingMessage } from 'node:http'
import { pino } from 'pino'
import { ApiServer } from '../../node/api/server.ts'
import { API_ERROR_CODES, EXTRA_PATHS, openApiDocument, openApiRoute } from '../../node/api/openapi.ts'
import { NODE_ERROR_CODES } from '../../node/errors.ts'
import { REASON_CODES } from '../../protocol/errors.ts'
import type { LiaisonService, LocalService } from '../../node/service.ts'
import { registerQueryRoutes } from '../../node/api/query-routes.ts'
import type { QueryExchange } from '../../node/query/exchange.ts'

type Doc = { paths: Record<string, Record<string, { parameters?: Array<{ name: string, in: string, schema: { enum?: string[] } }>, responses: Record<string, unknown> }>>, components: { schemas: Record<string, unknown> } }

const METHODS = ['get', 'post', 'put', 'patch', 'delete']
const doc = openApiDocument() as unknown as Doc

/** Every documented operation as (METHOD, a concrete path that should reach it). */
function documented (): Array<{ method: string, path: string, template: string }> {
  const out: Array<{ method: string, path: string, template: string }> = []
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method]
      if (op == null) continue
      const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const p = op.parameters?.find(q => q.in === 'path' && q.name === name)
        return p?.schema.enum?.[0] ?? `sample-${name}`
      })
      out.push({ method: method.toUpperCase(), path, template })
    }
  }
  return out
}

function server (): ApiServer {
  const api = new ApiServer({ service: {} as LiaisonService, logger: pino({ level: 'silent' }) }, { host: '127.0.0.1', port: 0, token: 't' })
  // The running node adds these (node/liaison-node.ts).
  registerQueryRoutes(api, {} as QueryExchange, {} as LocalService)
  return api
}

/** The route that would answer (method, path), as ApiServer matches: first in order. */
function routeFor (api: ApiServer, method: string, path: string): number {
  return api.routes.findIndex(r => r.method === method && r.pattern.test(path))
}

describe('the OpenAPI document of the local API', () => {
  it('is OpenAPI 3.1 with bearer auth required on every operation', () => {
    const d = openApiDocument() as Record<string, unknown>
    expect(d.openapi).toBe('3.1.0')
    expect(d.security).toEqual([{ bearerToken: [] }])
    for (const op of documented()) {
      expect(doc.paths[op.template][op.method.toLowerCase()].responses).toHaveProperty('401')
      expect(doc.paths[op.template][op.method.toLowerCase()].responses).toHaveProperty('200')
    }
  })

  it('documents every route ApiServer serves (add a route without documenting it and this fails)', () => {
    const api = server()
    const ops = documented()
    const undocumented = api.routes.filter(r => !ops.some(op => op.method === r.method && r.pattern.test(op.path)))
    expect(undocumented.map(r => `${r.method} ${String(r.pattern)}`)).toEqual([])
  })

  it('documents nothing ApiServer does not serve', () => {
    const api = server()
    const ops = documented().filter(op => !EXTRA_PATHS.includes(op.template))
    const missing = ops.filter(op => routeFor(api, op.method, op.path) < 0)
    expect(missing.map(op => `${op.method} ${op.template}`)).toEqual([])
  })

  it('serves the extra paths (/metrics, /openapi.json) outside the route list', async () => {
    const route = openApiRoute()
    const req = { method: 'GET' } as IncomingMessage
    const res = await route(req, new URL('http://x/openapi.json'))
    expect(res?.status).toBe(200)
    expect(JSON.parse(res?.body ?? '')).toEqual(openApiDocument())
    expect(await route(req, new URL('http://x/v1/peers'))).toBeUndefined()
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([...EXTRA_PATHS]))
  })

  it('lists every stable error code, the same catalogue the CLI prints', () => {
    expect([...API_ERROR_CODES].sort()).toEqual([...new Set([...Object.keys(NODE_ERROR_CODES), ...Object.keys(REASON_CODES)])].sort())
    expect((doc.components.schemas.ErrorCode as { enum: string[] }).enum).toEqual(API_ERROR_CODES)
  })

  it('resolves every $ref to a defined schema', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []
    for (const r of refs) {
      const name = /#\/components\/schemas\/([^"]+)/.exec(r)?.[1]
      expect(name, r).toBeDefined()
      expect(doc.components.schemas, r).toHaveProperty(name as string)
    }
  })

  it('gives every operation a unique operationId', () => {
    const ids = Object.values(doc.paths).flatMap(item => Object.values(item).map(op => (op as unknown as { operationId: string }).operationId))
    expect(new Set(ids).size).toBe(ids.length)
  })
})
