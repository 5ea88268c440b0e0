/**
 * No input makes the local API answer 5xx, and a refused request changes nothing. A
 * fast-check property (fixed seed, test/helpers/fast-check-seed.ts) sends 10,000 random and
 * mutated requests across every route of the table to a real running node (real LevelDB in
 * a temp dir, real HTTP): valid samples, samples with a field removed, added, or replaced by
 * random JSON, random bodies and non-JSON text, random query parameters and path segments,
 * the wrong method. Each answer must be below 500 and, when it is an error, have the
 * `{ error: { code, message } }` shape; a 400 from validation must name the fields; a 200 must
 * match the route's response schema. Around
 * every request the node's state is read — trust list, outbox, inbox, sent, releases, key
 * status and audit tree size — and a refused request must leave all of it as it was.
 *
 * The one peer (b) never runs, so nothing changes state behind the test's back; `wait=true`
 * is therefore never sent (it would wait for b's receipt).
 */
import '../helpers/fast-check-seed.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { pino } from 'pino'
import { tempDir } from '../helpers/node-process.ts'
import { initDataDir } from '../../node/config/data-dir.ts'
import { LiaisonNode } from '../../node/runtime/liaison-node.ts'
import { ROUTES, type Route } from '../../node/api/routes/index.ts'

const RUNS = 10_000
const AGREEMENT = 'EU-2024-17'

describe('the local API under random and mutated requests', () => {
  let root: string
  let node: LiaisonNode
  let token: string
  let b: string, c: string
  let messageId: string

  beforeAll(async () => {
    root = await tempDir('liaison-api-fuzz-')
    const init = await initDataDir(join(root, 'a'), { name: 'a', listen: ['/ip4/127.0.0.1/tcp/0'] })
    b = (await initDataDir(join(root, 'b'), { name: 'b' })).peerId
    c = (await initDataDir(join(root, 'c'), { name: 'c' })).peerId
    const configFile = join(root, 'a', 'config.json')
    const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>
    await writeFile(configFile, JSON.stringify({ ...config, audit: { witnessIntervalMs: 0 } }))
    expect(init.peerId).toMatch(/^12D3KooW/)
    node = await LiaisonNode.start(join(root, 'a'), { logger: pino({ level: 'silent' }) })
    token = (await readFile(join(root, 'a', 'api-token'), 'utf8')).trim()
    await node.service.addPeer({
      peerId: b,
      name: 'b',
      agreements: [{ id: AGREEMENT, validFrom: '2020-01-01T00:00:00.000Z', validUntil: '2099-12-31T23:59:59.999Z' }]
    })
    messageId =
      (await node.service.send({ to: [b], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: AGREEMENT, handling: [], body: { case: 'K-1' } })).id
  })

  afterAll(async () => {
    await node?.stop()
    await rm(root, { recursive: true, force: true })
  })

  /** Everything a request could change, as one comparable string. */
  async function state (): Promise<string> {
    const s = node.service
    const outbox = (await s.outbox()).map(d => `${d.digest}/${d.recipient}/${d.status}`).sort()
    return JSON.stringify({
      peers: await s.peers(),
      outbox,
      inbox: await s.inbox(),
      sent: await s.sent(),
      releases: await s.releases(),
      keys: await s.keyStatus(),
      audit: node.audit.size
    })
  }

  function samples (): { params: Record<string, string>, query: Record<string, string>, bodies: Record<string, unknown> } {
    return {
      params: { peerId: b, ref: messageId, requestId: '01890a5d-ac96-774b-bcce-b302099a8057', id: '01890a5d-ac96-774b-bcce-b302099a8057', name: 'misp' },
      query: {
        since: '2020-01-01T00:00:00Z',
        from: b,
        limit: '5',
        wait: 'false',
        timeoutMs: '1000',
        envelope: 'true',
        format: 'json',
        by: 'peer',
        sign: 'false'
      },
      bodies: {
        'POST /v1/messages': { to: [b], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: AGREEMENT, handling: [], body: { case: 'K-2' } },
        'POST /v1/peers': { peerId: c, name: 'c', maxTlpIn: 'GREEN' },
        'POST /v1/peers/from-card': { card: '{"payloadType":"x","payload":"","signatures":[]}', fields: { note: 'n' } },
        'POST /v1/cards/inspect': { card: '{"payloadType":"x","payload":"","signatures":[]}' },
        'PATCH /v1/peers/{peerId}': { note: 'liaison officer', topicsIn: ['fraud'] },
        'POST /v1/peers/{peerId}/status': { status: 'active' },
        'POST /v1/policy/check': { to: b, tlp: 'GREEN', topic: 'fraud', kind: 'report', legalBasis: AGREEMENT, handling: [] },
        'POST /v1/messages/{ref}/forward': { to: [b], legalBasis: AGREEMENT },
        'POST /v1/releases': { message: messageId, recipient: b, reason: 'joint case' },
        'POST /v1/releases/{requestId}/grant': { validMs: 60_000, reason: 'ok' },
        'POST /v1/releases/{requestId}/deny': { reason: 'no' },
        'POST /v1/messages/{ref}/feedback': { rating: 'useful', note: 'n' },
        'POST /v1/report/verify': { report: '{"format":"liaison-report/1","checkpoint":{"size":0}}' },
        'POST /v1/taxii/collections': { title: 'to b', outbound: { to: [b], topic: 'fraud', tlp: 'GREEN', legalBasis: AGREEMENT, kind: 'report' } },
        'POST /v1/taxii/clients': { name: 'misp', collections: {} },
        'POST /v1/queries': { to: b, type: 'phone', selectors: ['+4915112345678'], legalBasis: AGREEMENT, purpose: 'case K-2' },
        'POST /v1/queries/follow-up': { hitRef: 'ab'.repeat(16), reason: 'joint case' },
        'POST /v1/revocations': { certificate: '{"payloadType":"x","payload":"","signatures":[]}' },
        'POST /v1/taskforces': {
          name: 'JIT',
          purpose: 'joint case',
          legalBasis: AGREEMENT,
          members: [b],
          topics: ['fraud'],
          maxTlp: 'GREEN',
          validUntil: '2099-01-01T00:00:00.000Z'
        },
        'POST /v1/taskforces/{id}/amend': { topics: ['fraud', 'drugs'] }
      }
    }
  }

  async function call (method: string, path: string, body?: unknown): Promise<{ status: number, error: { code: string, message: string, details: unknown } }> {
    const res = await fetch(node.api.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
    })
    return { status: res.status, ...(await res.json() as { error: { code: string, message: string, details: unknown } }) }
  }

  it('answers the requests an operator found answered 500, accepted or 422 with 400 and the field, and does nothing', async () => {
    const before = await state()
    const send = { to: [b], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: AGREEMENT, handling: [], body: {} }
    expect(await call('POST', '/v1/peers', {})).toMatchObject({
      status: 400,
      error: {
        code: 'BAD_ARGUMENT',
        details: expect.arrayContaining([{ in: 'body', path: '/peerId', problem: 'missing', message: 'required' }, {
          in: 'body',
          path: '/name',
          problem: 'missing',
          message: 'required'
        }])
      }
    })
    expect(await call('POST', '/v1/messages', { ...send, colour: 'red' })).toMatchObject({
      status: 400,
      error: { code: 'BAD_ARGUMENT', details: [{ in: 'body', path: '/colour', problem: 'unknown' }] }
    })
    const noKind: Record<string, unknown> = { ...send }
    delete noKind.kind
    expect(await call('POST', '/v1/messages', noKind)).toMatchObject({
      status: 400,
      error: { code: 'BAD_ARGUMENT', details: [{ in: 'body', path: '/kind', problem: 'missing' }] }
    })
    expect(await call('GET', '/v1/inbox?limit=abc')).toMatchObject({
      status: 400,
      error: { code: 'BAD_ARGUMENT', details: [{ in: 'query', path: '/limit', problem: 'invalid' }] }
    })
    expect(await call('GET', '/v1/inbox?colour=red')).toMatchObject({ status: 400, error: { details: [{ in: 'query', path: '/colour', problem: 'unknown' }] } })
    expect(await call('GET', '/v1/inbox?limit=1&limit=2')).toMatchObject({
      status: 400,
      error: { details: [{ in: 'query', path: '/limit', problem: 'invalid' }] }
    })
    expect(await call('POST', '/v1/messages', { ...send, to: [b, 'nope'] })).toMatchObject({
      status: 400,
      error: { details: [{ in: 'body', path: '/to/1', problem: 'invalid' }] }
    })
    expect(await call('GET', '/v1/peers/%zz')).toMatchObject({ status: 400, error: { details: [{ in: 'path', path: '/peerId' }] } })
    expect(await call('GET', '/v1/peers/not-a-peer-id')).toMatchObject({
      status: 400,
      error: { details: [{ in: 'path', path: '/peerId', problem: 'invalid' }] }
    })
    expect(await call('POST', '/v1/messages', '{"to":')).toMatchObject({ status: 400, error: { code: 'BAD_ARGUMENT' } })
    expect(await call('POST', '/v1/messages')).toMatchObject({ status: 400, error: { details: [{ in: 'body', path: '', problem: 'missing' }] } })
    expect(await call('DELETE', `/v1/peers/${b}`, { x: 1 })).toMatchObject({ status: 400, error: { details: [{ in: 'body', path: '', problem: 'unknown' }] } })
    expect(await call('PUT', '/v1/peers')).toMatchObject({ status: 404, error: { code: 'NOT_FOUND' } })
    expect((await call('POST', '/v1/messages', { ...send, colour: 'red' })).error.message).toContain('body/colour')
    expect(await state()).toBe(before)
  })

  it('has a valid sample body for every route that requires one', () => {
    const { bodies } = samples()
    for (const r of ROUTES) {
      if (r.body == null || r.body.safeParse(undefined).success) continue
      expect(bodies, `add a sample body for ${r.method} ${r.path}`).toHaveProperty(`${r.method} ${r.path}`)
      expect(r.body.safeParse(bodies[`${r.method} ${r.path}`]).success, `${r.method} ${r.path}`).toBe(true)
    }
  })

  it(`answers ${RUNS.toLocaleString('en')} random and mutated requests across every route without a 5xx, and a refusal changes nothing`, async () => {
    const { params, query, bodies } = samples()
    const perRoute = new Map<string, number>()
    const statuses = new Map<number, number>()

    const jsonValue = fc.jsonValue({ maxDepth: 3 })
    const text = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('', 'abc', '-1', '0', '1e3', '%', '%zz', '..', 'true', ' 1', '99999999999999999999', '\u0000', '2020-13-45T00:00:00Z')
    )
    type Mutation = {
      kind: string,
      apply: (r: { path: Record<string, string>, query: Record<string, string | string[]>, body: unknown, raw?: string, method: string }) => void
    }
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.constant({ kind: 'none', apply: () => {} }),
      fc.tuple(fc.nat(), text).map(([i, v]): Mutation => ({
        kind: 'path',
        apply: r => {
          const k = Object.keys(r.path)
          if (k.length > 0) r.path[k[i % k.length]] = v
        }
      })),
      fc.tuple(fc.oneof(text, fc.constantFrom('limit', 'since', 'from', 'wait', 'envelope', 'timeoutMs', 'colour')), text).map(([k, v]): Mutation => ({
        kind: 'query',
        apply: r => {
          if (!(k === 'wait' && v === 'true')) r.query[k] = v
        }
      })),
      fc.tuple(fc.nat(), text).map(([i, v]): Mutation => ({
        kind: 'query-value',
        apply: r => {
          const k = Object.keys(r.query)
          if (k.length > 0 && !(k[i % k.length] === 'wait' && v === 'true')) r.query[k[i % k.length]] = v
        }
      })),
      fc.nat().map((i): Mutation => ({
        kind: 'query-repeat',
        apply: r => {
          const k = Object.keys(r.query)
          if (k.length > 0) {
            const key = k[i % k.length]
            r.query[key] = [String(r.query[key]), String(r.query[key])]
          }
        }
      })),
      jsonValue.map((v): Mutation => ({
        kind: 'body-random',
        apply: r => {
          r.body = v
        }
      })),
      fc.string({ maxLength: 40 }).map((s): Mutation => ({
        kind: 'body-text',
        apply: r => {
          r.raw = s.length === 0 ? '{' : s
        }
      })),
      fc.nat().map((i): Mutation => ({
        kind: 'body-drop',
        apply: r => {
          dropKey(r.body, i)
        }
      })),
      fc.tuple(fc.oneof(fc.constantFrom('colour', '__proto__', 'constructor'), fc.string({ maxLength: 8 })), jsonValue).map(([k, v]): Mutation => ({
        kind: 'body-add',
        apply: r => {
          if (isObject(r.body)) r.body = { ...r.body, [k]: v }
        }
      })),
      fc.tuple(fc.nat(), jsonValue).map(([i, v]): Mutation => ({
        kind: 'body-replace',
        apply: r => {
          replaceKey(r.body, i, v)
        }
      })),
      fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE').map((m): Mutation => ({
        kind: 'method',
        apply: r => {
          r.method = m
        }
      }))
    )
    const byKey = new Map(ROUTES.map(r => [`${r.method} ${r.path}`, r]))
    const request = fc.record({ route: fc.constantFrom(...byKey.keys()), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) })

    await fc.assert(
      fc.asyncProperty(request, async ({ route: routeKey, mutations }) => {
        const route = byKey.get(routeKey) as Route
        const r = build(route, params, query, bodies)
        for (const m of mutations) m.apply(r)
        if (r.method === 'POST' && route.path === '/v1/messages' && [r.query.wait].flat().includes('true')) return
        const before = await state()
        const url = new URL(node.api.url + fill(route.path, r.path))
        for (const [k, v] of Object.entries(r.query)) for (const x of [v].flat()) url.searchParams.append(k, x)
        const body = r.raw ?? (r.body === undefined ? undefined : JSON.stringify(r.body))
        const res = await fetch(url, {
          method: r.method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body !== undefined && r.method !== 'GET' ? { body } : {})
        })
        const answer = await res.json() as { error?: { code: string, message: string, details?: Array<{ in: string, path: string, problem: string }> } }
        const key = `${route.method} ${route.path}`
        perRoute.set(key, (perRoute.get(key) ?? 0) + 1)
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        const what = `${r.method} ${url.pathname}${url.search} ${String(body).slice(0, 200)} → ${res.status} ${JSON.stringify(answer).slice(0, 300)}`
        // 504 PEER_UNREACHABLE / TIMEOUT is the documented answer about another node (the test's peers
        // do not run); every other 5xx would be this node's own fault.
        if (!(res.status === 504 && ['PEER_UNREACHABLE', 'TIMEOUT'].includes(answer.error?.code ?? ''))) expect(res.status, what).toBeLessThan(500)
        if (res.status === 200 && !mutations.some(m => m.kind === 'path' || m.kind === 'method')) {
          const check = route.response.safeParse(answer)
          expect(check.success, `the 200 answer does not match the route's response schema: ${what} ${JSON.stringify(check.error?.issues.slice(0, 2))}`).toBe(
            true
          )
        }
        if (res.status >= 400) {
          expect(answer.error, what).toMatchObject({ code: expect.any(String), message: expect.any(String) })
          if (res.status === 400 && answer.error?.code === 'BAD_ARGUMENT' && Array.isArray(answer.error.details)) {
            for (const issue of answer.error.details) {
              expect(issue, what).toMatchObject({
                in: expect.stringMatching(/^(path|query|body)$/),
                path: expect.any(String),
                problem: expect.stringMatching(/^(missing|unknown|invalid)$/)
              })
            }
          }
          // A refusal (4xx) changes nothing. A 504 is no refusal: the request was taken (a message
          // queued, a query attempted and audited) and the other node did not answer.
          if (res.status < 500) expect(await state(), `refused request changed state: ${what}`).toBe(before)
        }
      }),
      { numRuns: RUNS }
    )

    for (const r of ROUTES) expect(perRoute.get(`${r.method} ${r.path}`) ?? 0, `${r.method} ${r.path}`).toBeGreaterThan(100)
    // Both sides of the line are exercised: (seed 20261128: ~3,100 answered 200, ~4,650 400, ~2,050 404).
    expect(statuses.get(400) ?? 0).toBeGreaterThan(RUNS / 4)
    expect(statuses.get(200) ?? 0).toBeGreaterThan(RUNS / 10)
  }, 600_000)
})

function build (
  route: Route,
  params: Record<string, string>,
  query: Record<string, string>,
  bodies: Record<string, unknown>
): { path: Record<string, string>, query: Record<string, string | string[]>, body: unknown, raw?: string, method: string } {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map(m => m[1])
  const queryKeys = Object.keys((route.query as unknown as { shape?: object } | undefined)?.shape ?? {})
  const body = bodies[`${route.method} ${route.path}`] ?? (route.body != null ? {} : undefined)
  return {
    method: route.method,
    path: Object.fromEntries(names.map(n => [n, params[n]])),
    query: Object.fromEntries(queryKeys.map(k => [k, query[k]])),
    body: structuredClone(body)
  }
}

function fill (template: string, path: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponentLoose(path[n] ?? ''))
}

/** Percent-encode, but let a `%` through now and then so malformed escapes reach the server. */
function encodeURIComponentLoose (s: string): string {
  return s.startsWith('%') ? s.replaceAll('/', '%2F') : encodeURIComponent(s)
}

function isObject (v: unknown): v is Record<string, unknown> {
  return v != null && typeof v === 'object' && !Array.isArray(v)
}

function dropKey (v: unknown, i: number): void {
  if (!isObject(v)) return
  const keys = Object.keys(v)
  if (keys.length > 0) Reflect.deleteProperty(v, keys[i % keys.length])
}

function replaceKey (v: unknown, i: number, value: unknown): void {
  if (!isObject(v)) return
  const keys = Object.keys(v)
  if (keys.length > 0) v[keys[i % keys.length]] = value
}
