import { describe, expect, it } from 'vitest'
import type { IncomingMessage } from 'node:http'
import { Validator } from '@seriousme/openapi-schema-validator'
import { pino } from 'pino'
import { ApiServer } from '../../node/api/server.ts'
import { API_ERROR_CODES, EXTRA_PATHS, openApiDocument, openApiRoute } from '../../node/api/openapi.ts'
import { ROUTES } from '../../node/api/routes/index.ts'
import { NODE_ERROR_CODES } from '../../node/errors.ts'
import { REASON_CODES } from '../../protocol/errors.ts'
import type { LiaisonService } from '../../node/service/liaison-service.ts'

type Doc = {
  paths: Record<string, Record<string, { operationId: string, parameters?: Array<{ name: string, in: string }>, responses: Record<string, unknown> }>>,
  components: { schemas: Record<string, unknown> }
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete']
const doc = openApiDocument() as unknown as Doc

function operations (): Array<{ method: string, template: string }> {
  return Object.entries(doc.paths).flatMap(([template, item]) =>
    METHODS.filter(m => item[m] != null).map(method => ({ method: method.toUpperCase(), template }))
  )
}

describe('the OpenAPI document of the local API, generated from the route table', () => {
  it('is a valid OpenAPI 3.1 document (checked by an independent validator)', async () => {
    const validator = new Validator()
    const result = await validator.validate(openApiDocument() as never)
    expect(result.errors ?? [], JSON.stringify(result.errors ?? []).slice(0, 2000)).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
    // The validator is not vacuous: a broken document fails it.
    const broken = openApiDocument() as { paths: Record<string, Record<string, { parameters: Array<Record<string, unknown>> }>> }
    delete broken.paths['/v1/peers/{peerId}'].get.parameters[0].in
    expect((await new Validator().validate(broken as never)).valid).toBe(false)
  })

  it('requires bearer auth on every operation and documents 200 and 401 for each', () => {
    const d = openApiDocument() as Record<string, unknown>
    expect(d.openapi).toBe('3.1.0')
    expect(d.security).toEqual([{ bearerToken: [] }])
    for (const op of operations()) {
      expect(doc.paths[op.template][op.method.toLowerCase()].responses).toHaveProperty('401')
      expect(doc.paths[op.template][op.method.toLowerCase()].responses).toHaveProperty('200')
    }
  })

  it('has exactly one operation per route of the table, plus the extra paths, and the server serves the table', () => {
    const fromTable = ROUTES.map(r => `${r.method} ${r.path}`).sort()
    const documented = operations().filter(op => !EXTRA_PATHS.includes(op.template)).map(op => `${op.method} ${op.template}`).sort()
    expect(documented).toEqual(fromTable)
    expect(new Set(fromTable).size).toBe(fromTable.length)
    const api = new ApiServer({ service: {} as LiaisonService, logger: pino({ level: 'silent' }) }, { host: '127.0.0.1', port: 0, token: 't' })
    expect(api.routes).toBe(ROUTES)
  })

  it('names every path parameter of a template in its params schema, and no other', () => {
    for (const r of ROUTES) {
      const inTemplate = [...r.path.matchAll(/\{(\w+)\}/g)].map(m => m[1]).sort()
      const op = doc.paths[r.path][r.method.toLowerCase()]
      const documented = (op.parameters ?? []).filter(p => p.in === 'path').map(p => p.name).sort()
      expect(documented, `${r.method} ${r.path}`).toEqual(inTemplate)
    }
  })

  it('rejects unknown keys in every documented request body object', () => {
    for (const r of ROUTES) {
      if (r.body == null) continue
      expect(r.body.safeParse({ colour: 'red' }).success, `${r.method} ${r.path}`).toBe(false)
    }
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
    expect(refs.length).toBeGreaterThan(20)
    for (const r of refs) {
      const name = /#\/components\/schemas\/([^"]+)/.exec(r)?.[1]
      expect(name, r).toBeDefined()
      expect(doc.components.schemas, r).toHaveProperty(name as string)
    }
  })

  it('gives every operation a unique operationId', () => {
    const ids = Object.values(doc.paths).flatMap(item => Object.values(item).map(op => op.operationId))
    expect(new Set(ids).size).toBe(ids.length)
  })
})
