/**
 * The TAXII 2.1 server end to end with the OASIS reference client (test/taxii2-client, run
 * with Debian's /usr/bin/python3): discovery, collections, a bundle added to A's outbound
 * collection becomes a signed message B receives and verifies, the client pulls it from B's
 * inbound collection page by page and with added_after; objects equal the originals plus
 * provenance, markings preserved, the status resource right. Then what users will try: bad
 * STIX, wrong media types, oversize bodies, malformed filters, bad credentials, writing
 * without write access — each with the spec's status code and nothing sent or stored. And
 * every interop example bundle round-trips A → B unchanged.
 */
import { execFile } from 'node:child_process'
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TLP1_MARKING_IDS, TLP2_MARKING_IDS } from '../../protocol/stix/index.ts'
import { decodeEnvelope } from '../../protocol/envelope.ts'
import { TEST_AGREEMENT, cli, createTrusting, startAll, tempDir, until } from '../helpers/node-process.ts'
import type { TestNode } from '../helpers/node-process.ts'
import { INTEROP_OBJECTS, interopBundle } from '../stix/interop-examples.ts'

const run = promisify(execFile)
const CLIENT_DIR = new URL('../taxii2-client/', import.meta.url).pathname
const SESSION = new URL('./taxii-session.py', import.meta.url).pathname
const TAXII = 'application/taxii+json;version=2.1'

/** With LIAISON_TAXII_SESSION_LOG=FILE, each reference-client session is appended there (its step, then what the client saw). */
async function python (args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('/usr/bin/python3', [SESSION, ...args], { env: { ...process.env, PYTHONPATH: CLIENT_DIR }, timeout: 120_000 })
  const log = process.env.LIAISON_TAXII_SESSION_LOG
  if (log != null && log !== '') await appendFile(log, `$ taxii-session.py ${args[0]}\n${JSON.stringify(JSON.parse(stdout), null, 2)}\n`)
  return JSON.parse(stdout) as Record<string, unknown>
}

async function liaison (args: string[]): Promise<string> {
  const res = await cli(args)
  if (res.code !== 0) throw new Error(`liaison ${args.join(' ')} failed: ${res.stderr}`)
  return res.stdout
}

const identity = {
  type: 'identity',
  spec_version: '2.1',
  id: 'identity--311b2d2d-f010-4473-83ec-1edf84858f4c',
  created: '2026-01-15T09:30:00.000Z',
  modified: '2026-01-15T09:30:00.000Z',
  name: 'Agency A',
  identity_class: 'organization'
}
const indicator = (n: number, marked: boolean): Record<string, unknown> => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd${(0x10 + n).toString(16)}`,
  created: '2026-01-15T09:30:00.000Z',
  modified: '2026-01-15T09:30:00.000Z',
  created_by_ref: identity.id,
  name: `dropper ${n}`,
  indicator_types: ['malicious-activity'],
  pattern: `[ipv4-addr:value = '198.51.100.${n}']`,
  pattern_type: 'stix',
  valid_from: '2026-01-15T09:30:00Z',
  ...(marked ? { object_marking_refs: [TLP1_MARKING_IDS.GREEN] } : {})
})

describe('TAXII 2.1 with the OASIS reference client', () => {
  let root: string
  let a: TestNode, b: TestNode
  let outbound: string, inbound: string, readOnly: string
  const creds: Record<string, { name: string, secret: string }> = {}
  const originals: Array<Record<string, unknown>> = [identity, indicator(1, true), indicator(2, true), indicator(3, false), indicator(4, true)]
  const later = indicator(10, true)

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b] = await createTrusting(root, [{ name: 'a' }, { name: 'b' }])
    const configFile = join(a.dir, 'config.json')
    const config = JSON.parse(await readFile(configFile, 'utf8'))
    config.taxii = { maxContentLength: 256 * 1024 }
    await writeFile(configFile, JSON.stringify(config))
    await startAll([a, b])
    outbound = (await liaison([
      'taxii',
      'collections',
      'add',
      '--data-dir',
      a.dir,
      '--outbound',
      '--to',
      b.peerId,
      '--topic',
      'malware',
      '--tlp',
      'AMBER',
      '--legal-basis',
      TEST_AGREEMENT,
      '--kind',
      'report',
      '--title',
      'to B'
    ])).trim()
    readOnly = (await liaison(['taxii', 'collections', 'add', '--data-dir', a.dir, '--inbound', '--title', 'from anyone'])).trim()
    inbound = (await liaison([
      'taxii',
      'collections',
      'add',
      '--data-dir',
      b.dir,
      '--inbound',
      '--from',
      a.peerId,
      '--topic',
      'malware',
      '--max-tlp',
      'AMBER',
      '--title',
      'from A'
    ])).trim()
    creds.misp = JSON.parse(
      await liaison(['taxii', 'clients', 'add', 'misp', '--data-dir', a.dir, '--collections', `${outbound}:rw,${readOnly}:r`, '--json'])
    ) as { name: string, secret: string }
    creds.reader = JSON.parse(await liaison(['taxii', 'clients', 'add', 'reader', '--data-dir', a.dir, '--collections', `${outbound}:r`, '--json'])) as {
      name: string,
      secret: string
    }
    creds.opencti = JSON.parse(await liaison(['taxii', 'clients', 'add', 'opencti', '--data-dir', b.dir, '--collections', `${inbound}:r`, '--json'])) as {
      name: string,
      secret: string
    }
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('lists clients and collections without secrets; node.json names the TAXII URL', async () => {
    const clients = JSON.parse(await liaison(['taxii', 'clients', 'list', '--data-dir', a.dir, '--json'])) as Array<Record<string, unknown>>
    expect(clients.map(c => c.name).sort()).toEqual(['misp', 'reader'])
    expect(JSON.stringify(clients)).not.toContain(creds.misp.secret)
    expect(a.runtime?.taxiiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/taxii2\/$/)
  })

  it('push to A, B receives and verifies, pull from B page by page: originals plus provenance, markings kept', async () => {
    const envelopeFile = join(root, 'envelope.json')
    await writeFile(envelopeFile, JSON.stringify({ objects: originals }))
    const pushed = await python(['push', a.runtime?.taxiiUrl as string, creds.misp.name, creds.misp.secret, outbound, envelopeFile])
    console.log('reference client, push to A:\n' + JSON.stringify(pushed, null, 1))
    expect((pushed.discovery as { api_roots: string[] }).api_roots).toHaveLength(1)
    expect((pushed.api_root as { versions: string[] }).versions).toEqual([TAXII])
    expect((pushed.collections as Array<{ id: string, can_write: boolean }>).map(c => [c.id, c.can_write]).sort()).toEqual(
      [[outbound, true], [readOnly, false]].sort()
    )
    const status = pushed.status as Record<string, unknown>
    expect(status).toMatchObject({ status: 'complete', total_count: 5, success_count: 5, failure_count: 0, pending_count: 0 })

    const cb = await b.client()
    await until(async () => (await cb.inbox()).some(m => m.topic === 'malware'), 30_000, 'B received the bundle')
    const received = (await cb.inbox()).find(m => m.topic === 'malware')
    // A second, later message: what added_after must return alone.
    await writeFile(envelopeFile, JSON.stringify({ objects: [later] }))
    const second = await python(['push', a.runtime?.taxiiUrl as string, creds.misp.name, creds.misp.secret, outbound, envelopeFile])
    expect(second.status).toMatchObject({ status: 'complete', success_count: 1 })
    await until(async () => (await cb.inbox()).filter(m => m.topic === 'malware').length === 2, 30_000, 'B received the second bundle')
    expect(received?.from).toBe(a.peerId)
    expect(received?.tlp).toBe('AMBER')

    const pulled = await python(['pull', b.runtime?.taxiiUrl as string, creds.opencti.name, creds.opencti.secret, inbound, '2'])
    console.log('reference client, pull from B:\n' + JSON.stringify(pulled, null, 1))
    expect(pulled.pages).toEqual([{ count: 2, more: true, has_next: true }, { count: 2, more: true, has_next: true }, {
      count: 2,
      more: false,
      has_next: false
    }])
    const objects = pulled.objects as Array<Record<string, unknown>>
    expect(objects).toHaveLength(6)
    expect(objects[5].id).toBe(later.id)
    for (const [i, o] of objects.slice(0, 5).entries()) {
      const { x_liaison_provenance: provenance, ...rest } = o
      const original = originals[i]
      // Marked objects unchanged; the unmarked ones inherit the message's TLP as the TLP 2.0 marking.
      const expected = original.object_marking_refs != null ? original : { ...original, object_marking_refs: [TLP2_MARKING_IDS.AMBER] }
      expect(rest).toEqual(expected)
      expect(provenance).toMatchObject({ sender: a.peerId, message_digest: received?.digest, message_id: received?.id })
      // Where B logged the message (exchange v2: B's own audit entry; `audit prove` proves it).
      expect(Number.isSafeInteger((provenance as { audit_leaf?: number }).audit_leaf)).toBe(true)
    }
    expect((pulled.added_after as { ids: string[] }).ids).toEqual([later.id])
    expect((pulled.manifest as unknown[]).length).toBe(6)
    expect(pulled.get_object).toEqual([identity.id])
    expect(pulled.versions).toEqual([identity.modified])
  })

  describe('what users will try', () => {
    const base = (n: TestNode): string => (n.runtime?.taxiiUrl as string).replace(/taxii2\/$/, 'api1/')
    const basic = (c: { name: string, secret: string }): string => 'Basic ' + Buffer.from(`${c.name}:${c.secret}`).toString('base64')
    const post = async (body: string, headers: Record<string, string> = {}, auth = basic(creds.misp), col = outbound): Promise<Response> =>
      await fetch(`${base(a)}collections/${col}/objects/`, {
        method: 'POST',
        headers: { authorization: auth, accept: TAXII, 'content-type': TAXII, ...headers },
        body
      })
    let sentBefore = 0
    let inboxBefore = 0

    beforeAll(async () => {
      sentBefore = (await (await a.client()).sent()).length
      inboxBefore = (await (await b.client()).inbox()).length
    })

    it('invalid STIX is 422 naming the path; a marking above the collection TLP is 422 MARKING_CONFLICT', async () => {
      const bad = await post(JSON.stringify({ objects: [{ ...indicator(5, true), valid_from: 'soon' }] }))
      expect(bad.status).toBe(422)
      expect(bad.headers.get('content-type')).toBe(TAXII)
      const body = await bad.json() as { description: string, error_code: string }
      expect(body.error_code).toBe('STIX_INVALID')
      expect(body.description).toContain('$.objects[0].valid_from')
      const red = await post(JSON.stringify({ objects: [{ ...indicator(6, false), object_marking_refs: [TLP2_MARKING_IDS.RED] }] }))
      expect(red.status).toBe(422)
      expect((await red.json() as { error_code: string }).error_code).toBe('MARKING_CONFLICT')
      expect((await post('{"objects": 3}')).status).toBe(422)
    })

    it('wrong media types are 415 and 406; a body over max_content_length is 413', async () => {
      const ok = JSON.stringify({ objects: [indicator(7, true)] })
      expect((await post(ok, { 'content-type': 'application/json' })).status).toBe(415)
      expect((await post(ok, { accept: 'text/html' })).status).toBe(406)
      const big = JSON.stringify({ objects: Array.from({ length: 2000 }, (_, i) => ({ ...indicator(8, true), name: `x${i}`.repeat(100) })) })
      const res = await post(big)
      expect(res.status).toBe(413)
      const root = await (await fetch(base(a), { headers: { authorization: basic(creds.misp), accept: TAXII } })).json() as { max_content_length: number }
      expect(root.max_content_length).toBe(256 * 1024)
    })

    it('bad credentials are 401; writing with read access or to an inbound collection is 403', async () => {
      expect((await post('{}', {}, basic({ name: 'misp', secret: 'wrong' }))).status).toBe(401)
      expect((await post('{}', {}, basic({ name: 'reader', secret: creds.misp.secret }))).status).toBe(401)
      expect((await post('{}', {}, '')).status).toBe(401)
      expect((await post('{}', {}, 'Bearer nope')).status).toBe(401)
      const ok = JSON.stringify({ objects: [indicator(9, true)] })
      expect((await post(ok, {}, basic(creds.reader))).status).toBe(403)
      expect((await post(ok, {}, 'Bearer ' + creds.misp.secret, readOnly)).status).toBe(403)
      expect((await post(ok, {}, basic(creds.misp), '00000000-0000-4000-8000-000000000000')).status).toBe(404)
    })

    it('malformed filters and a forged next are 400', async () => {
      const get = async (q: string): Promise<number> =>
        (await fetch(`${base(b)}collections/${inbound}/objects/?${q}`, { headers: { authorization: basic(creds.opencti), accept: TAXII } })).status
      expect(await get('added_after=yesterday')).toBe(400)
      expect(await get('limit=0')).toBe(400)
      expect(await get('limit=-3')).toBe(400)
      expect(await get('match[id]=not-an-id')).toBe(400)
      expect(await get('match[colour]=red')).toBe(400)
      expect(await get('next=' + encodeURIComponent(Buffer.from('["x",0,"d",0]').toString('base64url') + '.forged'))).toBe(400)
      expect(await get('limit=1')).toBe(200)
    })

    it('sent nothing and stored nothing for any of them', async () => {
      expect((await (await a.client()).sent()).length).toBe(sentBefore)
      await new Promise(resolve => setTimeout(resolve, 500))
      expect((await (await b.client()).inbox()).length).toBe(inboxBefore)
    })
  })

  it('a recipient refused by policy is a failure with its reason code in the status resource, never silent', async () => {
    // A's policy lets nothing above AMBER out to B (the trust-list default): a RED collection is refused.
    const red = (await liaison([
      'taxii',
      'collections',
      'add',
      '--data-dir',
      a.dir,
      '--outbound',
      '--to',
      b.peerId,
      '--topic',
      'malware',
      '--tlp',
      'RED',
      '--legal-basis',
      TEST_AGREEMENT
    ])).trim()
    const writer = JSON.parse(await liaison(['taxii', 'clients', 'add', 'red-writer', '--data-dir', a.dir, '--collections', `${red}:rw`, '--json'])) as {
      name: string,
      secret: string
    }
    const sentBefore = (await (await a.client()).sent()).length
    const res = await fetch(`${(a.runtime?.taxiiUrl as string).replace(/taxii2\/$/, 'api1/')}collections/${red}/objects/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer.secret}`, accept: TAXII, 'content-type': TAXII },
      body: JSON.stringify({ objects: [indicator(11, false)] })
    })
    expect(res.status).toBe(202)
    const status = await res.json() as { status: string, failure_count: number, success_count: number, failures: Array<{ id: string, message: string }> }
    expect(status).toMatchObject({ status: 'complete', failure_count: 1, success_count: 0 })
    expect(status.failures[0].id).toBe(indicator(11, false).id)
    expect(status.failures[0].message).toMatch(/^TLP_NOT_PERMITTED: recipient /)
    expect((await (await a.client()).sent()).length).toBe(sentBefore)
  })

  it('every OASIS interop example round-trips A → B unchanged', async () => {
    const ca = await a.client()
    const cb = await b.client()
    const types = Object.keys(INTEROP_OBJECTS)
    const sent = await Promise.all(
      types.map(async (type, i) =>
        await ca.send({ to: [b.peerId], kind: 'report', tlp: 'GREEN', topic: 'interop', legalBasis: TEST_AGREEMENT, body: interopBundle(type, i) })
      )
    )
    await until(async () => (await cb.inbox()).filter(m => m.topic === 'interop').length === types.length, 60_000, 'all interop bundles at B')
    for (const [i, type] of types.entries()) {
      const view = await cb.message(sent[i].id, { envelope: true })
      const payload = decodeEnvelope(Buffer.from(view.envelope as string, 'base64')).payload
      expect(JSON.parse(Buffer.from(payload).toString('utf8')).body, type).toEqual(interopBundle(type, i))
    }
  })

  it("DELETE removes an object from this node's view only (with write access), and is audited", async () => {
    const objectUrl = `${(a.runtime?.taxiiUrl as string).replace(/taxii2\/$/, 'api1/')}collections/${outbound}/objects/${identity.id}/`
    const auth = (c: { name: string, secret: string }): Record<string, string> => ({
      authorization: 'Basic ' + Buffer.from(`${c.name}:${c.secret}`).toString('base64'),
      accept: TAXII
    })
    expect((await fetch(objectUrl, { headers: auth(creds.reader) })).status).toBe(200)
    expect((await fetch(objectUrl, { method: 'DELETE', headers: auth(creds.reader) })).status).toBe(403)
    expect((await fetch(objectUrl, { method: 'DELETE', headers: auth(creds.misp) })).status).toBe(200)
    expect((await fetch(objectUrl, { headers: auth(creds.reader) })).status).toBe(404)
    // B still serves it: deletion is local.
    const atB = await fetch(`${(b.runtime?.taxiiUrl as string).replace(/taxii2\/$/, 'api1/')}collections/${inbound}/objects/${identity.id}/`, {
      headers: auth(creds.opencti)
    })
    expect(atB.status).toBe(200)
  })

  describe('the requests MISP and OpenCTI send, exactly as they send them (docs/taxii.md §4, §5)', () => {
    it('MISP: discovery, collections and objects with `Authorization: basic base64(NAME:SECRET)`, then its push script', async () => {
      // MISP/MISP app/Model/TaxiiServer.php queryInstance(): these three headers on every request.
      const c = JSON.parse(await liaison(['taxii', 'clients', 'add', 'misp-sync', '--data-dir', a.dir, '--collections', `${outbound}:rw`, '--json'])) as {
        name: string,
        secret: string
      }
      const key = Buffer.from(`${c.name}:${c.secret}`).toString('base64') // MISP's "API Key" field
      const baseurl = (a.runtime?.taxiiUrl as string).replace(/\/taxii2\/$/, '') // MISP's "Base URL"
      const headers = { Accept: TAXII, 'Content-type': TAXII, Authorization: 'basic ' + key }
      // TaxiiServersController::getRoot(): GET baseurl/taxii2/, each api_root's last path segment.
      const discovery = await fetch(`${baseurl}/taxii2/`, { headers })
      expect(discovery.status).toBe(200)
      const roots = ((await discovery.json()) as { api_roots: string[] }).api_roots.map(r => r.replace(/^\/+|\/+$/g, '').split('/').pop())
      expect(roots).toEqual(['api1'])
      // TaxiiServer::getCollections(), getObjects() (limit 50, then next), getObject().
      const collections = await (await fetch(`${baseurl}/${roots[0]}/collections/`, { headers })).json() as {
        collections: Array<{ id: string, can_write: boolean }>
      }
      expect(collections.collections.map(col => [col.id, col.can_write])).toEqual([[outbound, true]])
      for (const query of ['limit=50', 'limit=50&next=']) {
        const page = await fetch(`${baseurl}/${roots[0]}/collections/${outbound}/objects/?${query}`, { headers })
        expect(page.status, query).toBe(200)
        expect(((await page.json()) as { objects: unknown[] }).objects.length, query).toBeGreaterThan(0)
      }
      expect((await fetch(`${baseurl}/${roots[0]}/collections/${outbound}/objects/${indicator(1, true).id as string}/`, { headers })).status).toBe(200)
      // app/files/scripts/taxii/taxii_push.py, run by TaxiiServer::__pushEvents() with --baseurl, --api_root, --key, --collection.
      const envelopeFile = join(root, 'misp-envelope.json')
      await writeFile(envelopeFile, JSON.stringify({ objects: [indicator(12, true)] }))
      const cb = await b.client()
      const before = (await cb.inbox()).filter(m => m.topic === 'malware').length
      const pushed = await python(['misp-push', baseurl, roots[0] as string, key, outbound, envelopeFile])
      expect(pushed).toMatchObject({ max_content_length: 256 * 1024, total_count: 1, failure_count: 0 })
      await until(async () => (await cb.inbox()).filter(m => m.topic === 'malware').length === before + 1, 30_000, 'B received the MISP push')
    })

    it('OpenCTI: its TAXII POST stream connector posts a one-object STIX bundle as application/stix+json', async () => {
      // OpenCTI-Platform/connectors stream/taxii-post/src/taxii_post_connector/connector.py: _process_message().
      const c = JSON.parse(await liaison(['taxii', 'clients', 'add', 'octi-post', '--data-dir', a.dir, '--collections', `${outbound}:w`, '--json'])) as {
        name: string,
        secret: string
      }
      const base = (a.runtime?.taxiiUrl as string).replace(/\/taxii2\/$/, '') // TAXII_URL
      const url = base.replace(/\/+$/, '') + '/' + 'api1' + '/collections/' + outbound + '/objects/' // TAXII_API_ROOT=api1, TAXII_COLLECTION_ID
      // _prepare_object() with the defaults: spec_version set, object_marking_refs and created_by_ref removed; OpenCTI's own extension kept.
      const object = indicator(14, true)
      delete object.object_marking_refs
      delete object.created_by_ref
      const data = {
        ...object,
        spec_version: '2.1',
        extensions: {
          'extension-definition--ea279b3e-5c71-4632-ac08-831c66a786ba': {
            extension_type: 'property-extension',
            id: '6e0c2ab2-5ab1-4bd5-9dd3-7b29f6d2f0a1',
            type: 'Indicator',
            score: 50,
            detection: false
          }
        }
      }
      const bundle = { type: 'bundle', spec_version: '2.1', id: 'bundle--5d0092c5-5f74-4287-9642-000000000014', objects: [data] }
      const cb = await b.client()
      const before = (await cb.inbox()).filter(m => m.topic === 'malware').length
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/stix+json; version=2.1', Accept: 'application/taxii+json; version=2.1', Authorization: 'Bearer ' + c.secret },
        body: JSON.stringify(bundle)
      })
      expect(res.status).toBe(202)
      expect(await res.json()).toMatchObject({ total_count: 1, failure_count: 0 })
      await until(async () => (await cb.inbox()).filter(m => m.topic === 'malware').length === before + 1, 30_000, 'B received the OpenCTI post')
    })

    it('OpenCTI: its TAXII feed polls the API root with next, then added_after from X-TAXII-Date-Added-Last (Basic and Bearer)', async () => {
      const c = JSON.parse(await liaison(['taxii', 'clients', 'add', 'octi-feed', '--data-dir', b.dir, '--collections', `${inbound}:r`, '--json'])) as {
        name: string,
        secret: string
      }
      const uri = (b.runtime?.taxiiUrl as string).replace(/taxii2\/$/, 'api1') // OpenCTI's "TAXII server URL" (the API root)
      // OpenCTI-Platform/opencti opencti-graphql/src/manager/ingestion/ingestionTaxii.ts: taxiiHttpGet() and processTaxiiResponse().
      const url = `${uri.endsWith('/') ? uri : `${uri}/`}collections/${inbound}/objects/`
      interface State {
        cursor?: string
        addedAfter?: Date
      }
      const poll = async (state: State, authorization: string, limit?: number): Promise<string[]> => {
        // axios drops undefined params and sends a Date as toISOString(); the order is { next, added_after, limit }.
        const params = new URLSearchParams()
        if (state.cursor != null) params.set('next', state.cursor)
        if (state.addedAfter != null) params.set('added_after', state.addedAfter.toISOString())
        if (limit != null) params.set('limit', String(limit))
        const res = await fetch(url + (params.size > 0 ? `?${params.toString()}` : ''), { headers: { Accept: TAXII, Authorization: authorization } })
        expect(res.status).toBe(200)
        const data = await res.json() as { more?: boolean, next?: string, objects?: Array<{ id: string, x_liaison_provenance: { date_added: string } }> }
        const last = res.headers.get('x-taxii-date-added-last')
        // Sorted by date added; the headers name the first and last object's date added on this page.
        const added = (data.objects ?? []).map(o => o.x_liaison_provenance.date_added)
        expect([...added].sort()).toEqual(added)
        expect([res.headers.get('x-taxii-date-added-first'), last]).toEqual(added.length > 0 ? [added[0], added[added.length - 1]] : [null, null])
        if (data.objects != null && data.objects.length > 0) {
          if (data.more === true && data.next != null && data.next !== '') state.cursor = data.next
          else {
            state.cursor = undefined
            state.addedAfter = last != null ? new Date(last) : new Date()
          }
        }
        return (data.objects ?? []).map(o => o.id)
      }
      const drain = async (state: State, authorization: string, limit?: number): Promise<string[]> => {
        const ids: string[] = []
        for (let got = await poll(state, authorization, limit); got.length > 0; got = await poll(state, authorization, limit)) ids.push(...got)
        return ids
      }
      const everything = ((await (await fetch(`${url}?limit=1000`, { headers: { Accept: TAXII, Authorization: `Bearer ${c.secret}` } })).json()) as {
        objects: Array<{ id: string }>
      }).objects.map(o => o.id)
      expect(everything.length).toBeGreaterThan(4)
      // Basic user / password, "Import from date" set, limit_per_request 2: pages with next while added_after stays.
      const basicState: State = { addedAfter: new Date('2020-01-01T00:00:00.000Z') }
      expect(await drain(basicState, 'Basic ' + Buffer.from(`${c.name}:${c.secret}`).toString('base64'), 2)).toEqual(everything)
      // Bearer token, no import date, the server's page size.
      const bearerState: State = {}
      expect(await drain(bearerState, `Bearer ${c.secret}`)).toEqual(everything)
      // Something new arrives: the next polls, from X-TAXII-Date-Added-Last, get it alone.
      const fresh = indicator(13, true)
      const ca = await a.client()
      await ca.send({
        to: [b.peerId],
        kind: 'report',
        tlp: 'GREEN',
        topic: 'malware',
        legalBasis: TEST_AGREEMENT,
        body: { type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-000000000013', objects: [fresh] }
      })
      const cb = await b.client()
      await until(async () => (await cb.inbox()).some(m => m.topic === 'malware' && m.tlp === 'GREEN'), 30_000, 'B received the new bundle')
      expect(await drain(basicState, 'Basic ' + Buffer.from(`${c.name}:${c.secret}`).toString('base64'), 2)).toEqual([fresh.id])
      expect(await drain(bearerState, `Bearer ${c.secret}`)).toEqual([fresh.id])
    })
  })

  it('every TAXII write, every page served and every administration step is in the audit log, with ids and digests', async () => {
    await Promise.all([a.stop(), b.stop()])
    const entries = async (n: TestNode): Promise<Array<Record<string, unknown>>> => {
      const out = join(root, `audit-${n.name}`)
      await liaison(['audit', 'export', '--data-dir', n.dir, '--out', out])
      return (await readFile(join(out, 'audit', 'entries.jsonl'), 'utf8')).trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>).filter(e =>
        e.type === 'taxii.request'
      )
    }
    const atA = await entries(a)
    const atB = await entries(b)
    const adds = atA.filter(e => e.action === 'objects.add' && e.client === 'misp')
    expect(adds).toHaveLength(2)
    expect(adds[0].objects).toEqual(originals.map(o => o.id))
    expect((adds[0].digests as string[])[0]).toMatch(/^[0-9a-f]{64}$/)
    expect(atA.filter(e => e.action === 'client.add').map(e => (e.objects as string[])[0])).toEqual(expect.arrayContaining(['misp', 'reader']))
    const served = atB.filter(e => e.action === 'objects.get' && e.client === 'opencti')
    expect(served.length).toBeGreaterThanOrEqual(3)
    expect(served.flatMap(e => e.objects as string[])).toEqual(expect.arrayContaining([...originals.map(o => o.id), later.id]))
    // The manifest and the versions list name objects too: audited the same way.
    const manifest = atB.filter(e => e.action === 'manifest.get' && e.client === 'opencti')
    expect(manifest.flatMap(e => e.objects as string[])).toEqual(expect.arrayContaining([...originals.map(o => o.id), later.id]))
    expect(atB.filter(e => e.action === 'versions.get' && e.client === 'opencti').map(e => e.objects)).toEqual([[identity.id]])
    expect(atA.filter(e => e.action === 'object.delete').map(e => [e.client, e.objects])).toEqual([['misp', [identity.id]]])
  })
})
