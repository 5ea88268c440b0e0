/**
 * Metrics and the served OpenAPI document through real nodes. Needs the wiring in
 * node/runtime/liaison-node.ts: createMetrics({ receiver, outbox, trust, libp2p, store }) and an ApiServer
 * `extra` serving metricsRoute(metrics) and openApiRoute().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventEmitter } from 'node:events'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { register as globalRegistry } from 'prom-client'
import { TEST_AGREEMENT, TestNode, tempDir } from '../helpers/node-process.ts'
import { createMetrics } from '../../node/runtime/metrics.ts'
import { openApiDocument } from '../../node/api/openapi.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'
import type { DeliveryRecord, PeerRecord } from '../../node/store/index.ts'

const DOCS = new URL('../../docs/metrics.md', import.meta.url)

/** `name{labels} value` lines → value, keyed by the line's series text. */
function samples (text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    out.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return out
}

function value (text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const [series, v] of samples(text)) {
    const m = /^([^{]+)(?:\{(.*)\})?$/.exec(series)
    if (m == null || m[1] !== name) continue
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(x => [x[1], x[2]]))
    if (Object.entries(labels).every(([k, val]) => have[k] === val)) return v
  }
  return undefined
}

async function get (node: TestNode, path: string, token?: string): Promise<Response> {
  const t = token ?? (await readFile(join(node.dir, 'api-token'), 'utf8')).trim()
  return await fetch(node.runtime!.apiUrl + path, { headers: { authorization: `Bearer ${t}` } })
}

const msg = (to: string, over: Partial<SendInput> = {}): SendInput => ({
  to: [to],
  kind: 'report',
  tlp: 'GREEN',
  topic: 'fraud',
  legalBasis: TEST_AGREEMENT,
  body: { n: 1 },
  ...over
})

describe('GET /metrics on real nodes', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let textA: string, textB: string

  beforeAll(async () => {
    root = await tempDir('liaison-op-metrics-')
    ;[a, b, c] = await Promise.all(['a', 'b', 'c'].map(async name => await TestNode.create({ name, root })))
    await a.trust(b, ['--max-tlp-out', 'RED'])
    await a.trust(c)
    await b.trust(a)
    await Promise.all([a.start(), b.start()]) // c stays offline: A's messages to it wait in the outbox
    const ca = await a.client()
    for (let i = 0; i < 5; i++) expect((await ca.send(msg(b.peerId), { wait: true })).recipients[0].status).toBe('delivered')
    expect((await ca.send(msg(b.peerId, { tlp: 'RED' }), { wait: true })).recipients[0]).toMatchObject({ status: 'rejected', reason: 'TLP_NOT_PERMITTED' })
    await ca.send(msg(c.peerId))
    await ca.send(msg(c.peerId))
    const resA = await get(a, '/metrics')
    expect(resA.status).toBe(200)
    expect(resA.headers.get('content-type')).toContain('text/plain')
    textA = await resA.text()
    textB = await (await get(b, '/metrics')).text()
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('counts outbound outcomes by peer, outcome and reason, and the delivery latency', () => {
    expect(value(textA, 'liaison_messages_sent_total', { peer: b.peerId, outcome: 'delivered', reason: '' })).toBe(5)
    expect(value(textA, 'liaison_messages_sent_total', { peer: b.peerId, outcome: 'rejected', reason: 'TLP_NOT_PERMITTED' })).toBe(1)
    expect(value(textA, 'liaison_delivery_latency_seconds_count', { outcome: 'delivered' })).toBe(5)
    expect(value(textA, 'liaison_delivery_latency_seconds_bucket', { outcome: 'delivered', le: '+Inf' })).toBe(5)
  })

  it('counts inbound acceptances and refusals by peer and reason code', () => {
    expect(value(textB, 'liaison_messages_received_total', { peer: a.peerId, type: 'message' })).toBe(5)
    expect(value(textB, 'liaison_messages_rejected_total', { peer: a.peerId, reason: 'TLP_NOT_PERMITTED' })).toBe(1)
  })

  it('reports outbox depth per peer, connected peers, the trust list and the store', () => {
    expect(value(textA, 'liaison_outbox_depth', { peer: c.peerId })).toBe(2)
    expect(value(textA, 'liaison_outbox_depth', { peer: b.peerId })).toBeUndefined()
    expect(value(textA, 'liaison_connected_peers')).toBe(1)
    expect(value(textA, 'liaison_peers', { status: 'active' })).toBe(2)
    expect(value(textA, 'liaison_peer_info', { peer: b.peerId, name: 'b', status: 'active' })).toBe(1)
    expect(value(textA, 'liaison_node_info', { peer_id: a.peerId })).toBe(1)
    expect(value(textA, 'liaison_store_commits_total')).toBeGreaterThan(0)
    expect(value(textA, 'liaison_store_commit_operations_total')).toBeGreaterThanOrEqual(value(textA, 'liaison_store_commits_total') ?? Infinity)
    expect(value(textA, 'liaison_connections_opened_total', { direction: 'outbound' })).toBeGreaterThanOrEqual(1)
    expect(value(textA, 'liaison_process_resident_memory_bytes')).toBeGreaterThan(0)
  })

  it('prefixes every metric with liaison_ and documents each one in docs/metrics.md', async () => {
    const docs = await readFile(DOCS, 'utf8')
    const names = [...new Set([...(textA + textB).matchAll(/^# HELP (\S+)/gm)].map(m => m[1]))]
    expect(names.length).toBeGreaterThan(10)
    for (const name of names) {
      expect(name.startsWith('liaison_'), name).toBe(true)
      // Process and runtime metrics (prom-client's defaults) are documented as a group.
      if (/^liaison_(process|nodejs)_/.test(name)) continue
      expect(docs, `${name} is not documented in docs/metrics.md`).toContain(`\`${name}\``)
    }
  })

  it('never labels a metric with message content (only peer IDs, names, reason codes, outcomes)', () => {
    const labels = new Set([...(textA + textB).matchAll(/(\w+)="/g)].map(m => m[1]))
    for (const l of labels) {
      expect([
        'peer',
        'peer_id',
        'version',
        'type',
        'reason',
        'outcome',
        'status',
        'name',
        'jurisdiction',
        'direction',
        'le',
        'kind',
        'space',
        'major',
        'minor',
        'patch'
      ]).toContain(l)
    }
  })

  it('answers 401 UNAUTHORIZED without the token, and serves /openapi.json with it', async () => {
    for (const path of ['/metrics', '/openapi.json']) {
      const res = await fetch(a.runtime!.apiUrl + path)
      expect(res.status).toBe(401)
      expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
    }
    const doc = await (await get(a, '/openapi.json')).json()
    expect(doc).toEqual(openApiDocument())
  })
})

describe('NodeMetrics with small fake components', () => {
  function fakes (): {
    receiver: EventEmitter,
    outbox: EventEmitter & { depth: () => Promise<Map<string, number>> },
    trust: EventEmitter & { list: () => PeerRecord[] }
  } {
    const outbox = Object.assign(new EventEmitter(), { depth: async () => new Map([['p1', 3]]) })
    const trust = Object.assign(new EventEmitter(), { list: () => [] as PeerRecord[] })
    return { receiver: new EventEmitter(), outbox, trust }
  }

  it('uses its own registry per node, never the global one', async () => {
    const one = createMetrics(fakes(), { peerId: 'one', processMetrics: false })
    const two = createMetrics(fakes(), { peerId: 'two', processMetrics: false })
    expect(one.registry).not.toBe(two.registry)
    expect(await globalRegistry.metrics()).not.toContain('liaison_')
    expect(await one.text()).toContain('peer_id="one"')
    expect(await one.text()).not.toContain('peer_id="two"')
  })

  it('exports the audit gauges only once a source is set, reading it at scrape time', async () => {
    let now = 1_000_000
    const m = createMetrics(fakes(), { processMetrics: false, now: () => now })
    expect(await m.text()).not.toContain('liaison_audit_')
    let stats: { treeSize: number, lastCheckpointAt?: number } = { treeSize: 7 }
    m.setAuditSource(() => stats)
    now += 30_000
    let text = await m.text()
    expect(value(text, 'liaison_audit_tree_size')).toBe(7)
    expect(value(text, 'liaison_audit_last_checkpoint_age_seconds')).toBe(30) // since start: no checkpoint yet
    stats = { treeSize: 9, lastCheckpointAt: now - 4_500 }
    text = await m.text()
    expect(value(text, 'liaison_audit_tree_size')).toBe(9)
    expect(value(text, 'liaison_audit_last_checkpoint_age_seconds')).toBe(4.5)
  })

  it('stops listening to its components on stop()', async () => {
    const f = fakes()
    const m = createMetrics(f, { processMetrics: false })
    const record = { recipient: 'p1', status: 'delivered', queuedAt: 0, updatedAt: 250 } as DeliveryRecord
    f.outbox.emit('delivery', record)
    expect(value(await m.text(), 'liaison_messages_sent_total', { peer: 'p1', outcome: 'delivered' })).toBe(1)
    expect(value(await m.text(), 'liaison_delivery_latency_seconds_sum', { outcome: 'delivered' })).toBe(0.25)
    expect(f.outbox.listenerCount('delivery')).toBe(1)
    m.stop()
    expect(f.outbox.listenerCount('delivery')).toBe(0)
    expect(f.receiver.listenerCount('accepted') + f.receiver.listenerCount('rejected') + f.trust.listenerCount('change')).toBe(0)
    f.outbox.emit('delivery', record)
    expect(value(await m.text(), 'liaison_messages_sent_total', { peer: 'p1', outcome: 'delivered' })).toBe(1)
  })

  it('ignores pending records and reads the outbox depth when scraped', async () => {
    const f = fakes()
    const m = createMetrics(f, { processMetrics: false })
    f.outbox.emit('delivery', { recipient: 'p1', status: 'pending', queuedAt: 0, updatedAt: 0 } as DeliveryRecord)
    const text = await m.text()
    expect(value(text, 'liaison_messages_sent_total')).toBeUndefined()
    expect(value(text, 'liaison_outbox_depth', { peer: 'p1' })).toBe(3)
  })
})
