/**
 * The local API against its OpenAPI document, on real nodes: every response validated against
 * the documented schema, every documented operation refused without the right token (and
 * nothing done), and the routes of a fully wired node — including any added at wiring time —
 * all documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { pino } from 'pino'
import { TEST_AGREEMENT, TestNode, cli, tempDir, until } from '../helpers/node-process.ts'
import { openApiDocument } from '../../node/api/openapi.ts'
import { initDataDir } from '../../node/config/data-dir.ts'
import { LiaisonNode } from '../../node/runtime/liaison-node.ts'

type Operation = {
  parameters?: Array<{ name: string, in: string, schema: { enum?: string[] } }>,
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>
}
const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, Operation>>, components: { schemas: Record<string, unknown> } }
const defs = JSON.parse(JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/')) as Record<string, unknown>

/** The documented schema of (method, template, status) as a zod validator. */
function responseSchema (method: string, template: string, status: number): z.ZodType {
  const op = doc.paths[template]?.[method.toLowerCase()]
  if (op == null) throw new Error(`${method} ${template} is not documented`)
  const response = op.responses[String(status)]
  if (response == null) throw new Error(`${method} ${template} documents no ${status} response`)
  const schema = response.content?.['application/json']?.schema
  const text = JSON.stringify(schema).replaceAll('#/components/schemas/', '#/$defs/')
  return z.fromJSONSchema({ ...JSON.parse(text) as object, $defs: defs } as never)
}

describe('the local API keeps to its OpenAPI document', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let token: string
  let calls = 0

  /** Call the API and check the answer against the documented schema for its status. */
  async function call (
    node: TestNode,
    method: string,
    template: string,
    params: Record<string, string> = {},
    body?: unknown,
    query = ''
  ): Promise<{ status: number, value: unknown }> {
    const path = template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k]))
    const t = (await readFile(join(node.dir, 'api-token'), 'utf8')).trim()
    const res = await fetch(node.runtime!.apiUrl + path + query, {
      method,
      headers: { authorization: `Bearer ${t}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const value = await res.json() as unknown
    const check = responseSchema(method, template, res.status).safeParse(value)
    expect(
      check.success,
      `${method} ${template} → ${res.status} does not match its schema: ${JSON.stringify(check.error?.issues.slice(0, 3))}\n${
        JSON.stringify(value).slice(0, 400)
      }`
    ).toBe(true)
    calls++
    return { status: res.status, value }
  }

  beforeAll(async () => {
    root = await tempDir('liaison-op-api-')
    ;[a, b, c] = await Promise.all(['a', 'b', 'c'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b)
    await b.trust(a)
    await b.trust(c)
    await Promise.all([a.start(), b.start()])
    token = (await readFile(join(a.dir, 'api-token'), 'utf8')).trim()
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('answers every documented read and write with the documented shape', async () => {
    for (const t of ['/health', '/v1/health']) expect((await call(a, 'GET', t)).value).toMatchObject({ status: 'ready', peerId: a.peerId, running: true })
    const input = { to: [b.peerId], kind: 'report', tlp: 'AMBER', topic: 'fraud', legalBasis: TEST_AGREEMENT, handling: [], body: { case: 'K-1' } }
    const sent = (await call(a, 'POST', '/v1/messages', {}, input, '?wait=true&timeoutMs=20000')).value as { id: string, recipients: Array<{ status: string }> }
    expect(sent.recipients[0].status).toBe('delivered')
    await call(a, 'GET', '/v1/sent')
    await call(a, 'GET', '/v1/outbox')
    await call(a, 'GET', '/v1/messages/{ref}', { ref: sent.id })
    const withEnvelope = (await call(a, 'GET', '/v1/messages/{ref}', { ref: sent.id }, undefined, '?envelope=true')).value as { envelope?: string }
    expect(withEnvelope.envelope).toBeDefined()
    const inbox = (await call(b, 'GET', '/v1/inbox', {}, undefined, `?from=${a.peerId}&limit=5&since=2020-01-01T00:00:00Z`)).value as unknown[]
    expect(inbox).toHaveLength(1)

    await call(b, 'GET', '/v1/peers')
    await call(b, 'GET', '/v1/peers/{peerId}', { peerId: a.peerId })
    await call(b, 'PATCH', '/v1/peers/{peerId}', { peerId: c.peerId }, { note: 'liaison officer: +31 10 000 0000', topicsIn: ['fraud'] })
    await call(b, 'POST', '/v1/peers/{peerId}/status', { peerId: c.peerId }, { status: 'suspended' })
    await call(b, 'POST', '/v1/peers/{peerId}/status', { peerId: c.peerId }, { status: 'active' })
    await call(b, 'DELETE', '/v1/peers/{peerId}', { peerId: c.peerId })
    await call(b, 'POST', '/v1/peers', {}, { peerId: c.peerId, name: 'c', maxTlpIn: 'GREEN' })
    await call(b, 'DELETE', '/v1/peers/{peerId}', { peerId: c.peerId })
    // c is not running: its operator exports the card with the CLI and hands it over.
    const cardText = (await cli(['card', 'export', '--data-dir', c.dir])).stdout
    // Inspected first: what the card says and its fingerprint, the trust list untouched.
    const cardOfC = JSON.parse((await cli(['card', 'export', '--data-dir', c.dir, '--json'])).stdout) as { fingerprint: string }
    const inspected = (await call(b, 'POST', '/v1/cards/inspect', {}, { card: cardText })).value
    expect(inspected).toMatchObject({ fingerprint: cardOfC.fingerprint, signature: 'valid', card: { peerId: c.peerId, name: 'c' } })
    expect(inspected).not.toHaveProperty('known')
    expect(((await call(b, 'GET', '/v1/peers')).value as Array<{ peerId: string }>).map(p => p.peerId)).not.toContain(c.peerId)
    // A card that is not one, or whose signature does not verify, is refused with its stable code.
    const notCard = await call(b, 'POST', '/v1/cards/inspect', {}, { card: '{"payloadType":"x","payload":"","signatures":[]}' })
    expect(notCard).toMatchObject({ status: 422, value: { error: { code: 'BAD_PAYLOAD_TYPE' } } })
    const envelope = JSON.parse(cardText) as { signatures: Array<{ sig: string }> }
    const sig = Buffer.from(envelope.signatures[0].sig, 'base64')
    sig[0] ^= 1
    envelope.signatures[0].sig = sig.toString('base64')
    const forged = await call(b, 'POST', '/v1/cards/inspect', {}, { card: JSON.stringify(envelope) })
    expect(forged).toMatchObject({ status: 422, value: { error: { code: 'BAD_SIGNATURE' } } })
    await call(b, 'POST', '/v1/peers/from-card', {}, {
      card: cardText,
      fields: { agreements: [{ id: TEST_AGREEMENT, validFrom: '2020-01-01T00:00:00.000Z', validUntil: '2099-12-31T23:59:59.999Z' }] }
    })

    expect((await call(b, 'POST', '/v1/cards/inspect', {}, { card: cardText })).value).toMatchObject({ known: { name: 'c', status: 'active' } })
    await call(a, 'GET', '/v1/card')
    await call(a, 'GET', '/v1/policy')
    await call(a, 'POST', '/v1/policy/reload', {}, {})
    const decision =
      (await call(a, 'POST', '/v1/policy/check', {}, { to: b.peerId, tlp: 'RED', topic: 'fraud', kind: 'report', legalBasis: TEST_AGREEMENT, handling: [] }))
        .value
    expect(decision).toMatchObject({ decision: 'reject', reason: 'TLP_NOT_PERMITTED' })

    const request = (await call(b, 'POST', '/v1/releases', {}, { message: sent.id, recipient: c.peerId, reason: 'joint case' })).value as { requestId: string }
    await call(b, 'GET', '/v1/releases')
    await until(
      async () => ((await call(a, 'GET', '/v1/releases')).value as Array<{ requestId: string }>).some(r => r.requestId === request.requestId),
      20_000,
      'the request at A'
    )
    await call(a, 'POST', '/v1/releases/{requestId}/grant', { requestId: request.requestId }, { validMs: 3_600_000 })
    await until(
      async () =>
        ((await call(b, 'GET', '/v1/releases')).value as Array<{ requestId: string, status: string }>).some(r =>
          r.requestId === request.requestId && r.status === 'granted'
        ),
      20_000,
      'the grant at B'
    )
    await call(b, 'POST', '/v1/messages/{ref}/forward', { ref: sent.id }, { to: [c.peerId] })
    await call(a, 'GET', '/v1/keys')
    expect(calls).toBeGreaterThan(25)
  })

  it('answers errors as { error: { code, message } } with the documented status', async () => {
    expect((await call(a, 'GET', '/v1/messages/{ref}', { ref: 'no-such-message' })).status).toBe(404)
    expect((await call(a, 'GET', '/v1/peers/{peerId}', { peerId: c.peerId })).status).toBe(404)
    const refused = await call(a, 'POST', '/v1/messages', {}, {
      to: [b.peerId],
      kind: 'report',
      tlp: 'RED',
      topic: 'fraud',
      legalBasis: TEST_AGREEMENT,
      body: {}
    })
    expect(refused).toMatchObject({
      status: 422,
      value: { error: { code: 'RECIPIENT_REFUSED', details: [{ peerId: b.peerId, status: 'refused', reason: 'TLP_NOT_PERMITTED' }] } }
    })
    expect((await call(a, 'POST', '/v1/peers', {}, { peerId: b.peerId, name: 'again' })).value).toMatchObject({ error: { code: 'PEER_EXISTS' } })
    expect((await call(a, 'GET', '/v1/inbox', {}, undefined, '?since=yesterday')).value).toMatchObject({ error: { code: 'BAD_ARGUMENT' } })
  })

  it('refuses every documented operation without the right token (401 UNAUTHORIZED) and does nothing', async () => {
    const peersBefore = JSON.stringify(await (await a.client()).peers())
    const outboxBefore = (await (await a.client()).outbox()).length
    const bodies: Record<string, unknown> = {
      '/v1/messages': { to: [b.peerId], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: {} },
      '/v1/peers': { peerId: c.peerId, name: 'c' },
      '/v1/peers/{peerId}/status': { status: 'revoked' }
    }
    let tried = 0
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const path = template.replace(
          /\{(\w+)\}/g,
          (_, name: string) => name === 'peerId' ? b.peerId : op.parameters?.find(p => p.name === name)?.schema.enum?.[0] ?? 'x'
        )
        for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${token}x`, `Basic ${token}`, token]) {
          const body = bodies[template] ?? {}
          const res = await fetch(a.runtime!.apiUrl + path, {
            method: method.toUpperCase(),
            headers: { 'content-type': 'application/json', ...(authorization != null ? { authorization } : {}) },
            ...(method === 'get' ? {} : { body: JSON.stringify(body) })
          })
          expect(res.status, `${method} ${path} with ${authorization ?? 'no token'}`).toBe(401)
          expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } })
          tried++
        }
      }
    }
    expect(tried).toBeGreaterThan(100)
    expect(JSON.stringify(await (await a.client()).peers())).toBe(peersBefore)
    expect((await (await a.client()).outbox()).length).toBe(outboxBefore)
    expect(await (await a.client()).keyStatus()).not.toHaveProperty('rotation')
  })
})

describe('a fully wired node serves only documented routes', () => {
  it('documents every route of the running node, including those added at wiring time', async () => {
    const root = await tempDir('liaison-op-routes-')
    try {
      await initDataDir(join(root, 'n'), { name: 'routes' })
      const node = await LiaisonNode.start(join(root, 'n'), { logger: pino({ level: 'silent' }) })
      try {
        const documented = Object.entries(doc.paths).flatMap(([template, item]) => Object.keys(item).map(method => `${method.toUpperCase()} ${template}`))
        const undocumented = node.api.routes.map(r => `${r.method} ${r.path}`).filter(op => !documented.includes(op))
        expect(undocumented).toEqual([])
        expect(node.api.routes.length).toBeGreaterThan(25)
      } finally {
        await node.stop()
      }
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
