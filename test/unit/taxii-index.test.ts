/**
 * The TAXII object index against the reference semantics (applyFilter over every object of
 * the collection), on a real LevelDB store: backfill of messages stored before the collection
 * (and of a data directory from before the index), messages received later (the store's
 * change feed), paging with `next` across many objects for every filter, DELETE, purge and
 * the removal of a collection.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TLP2_MARKING_IDS } from '../../protocol/stix/index.ts'
import { encodeEnvelope, envelopeDigest, signEnvelope } from '../../protocol/envelope.ts'
import { generateSigner } from '../../protocol/keys.ts'
import { encodeMessage } from '../../protocol/message.ts'
import { PAYLOAD_TYPES, type MessageV1, type Signer } from '../../protocol/types.ts'
import { AuditLog } from '../../node/audit/audit-log.ts'
import { auditEvents } from '../../node/audit/events.ts'
import { Purger } from '../../node/audit/purger.ts'
import { metaOf, Store } from '../../node/store/index.ts'
import { loadObjects, selectPage } from '../../node/taxii/collection-view.ts'
import { applyFilter, parseFilter, type Filter } from '../../node/taxii/filters.ts'
import { TaxiiIndexer } from '../../node/taxii/indexer.ts'
import { entriesOf, posOf, type IndexEntry } from '../../node/taxii/object-index.ts'
import { TaxiiStore } from '../../node/taxii/taxii-store.ts'
import { freshMessage } from '../helpers/messages.ts'

const T0 = Date.parse('2026-01-15T09:00:00.000Z')
const id = (type: string, n: number): string => `${type}--8e2e2d2b-17d4-4cbf-938f-${n.toString(16).padStart(12, '0')}`

/** Message n's objects: 3 indicators (one id shared by every message: many versions), a malware, and a 2.0 tool. */
function objects (n: number): Array<Record<string, unknown>> {
  const modified = new Date(T0 + (n % 7) * 60_000).toISOString()
  return [
    {
      type: 'indicator',
      spec_version: '2.1',
      id: id('indicator', 0),
      created: '2026-01-01T00:00:00.000Z',
      modified,
      name: `shared ${n}`,
      pattern: "[ipv4-addr:value = '198.51.100.1']",
      pattern_type: 'stix',
      valid_from: '2026-01-01T00:00:00Z'
    },
    {
      type: 'indicator',
      spec_version: '2.1',
      id: id('indicator', 1000 + n),
      created: modified,
      modified,
      name: `own ${n}`,
      pattern: "[ipv4-addr:value = '198.51.100.2']",
      pattern_type: 'stix',
      valid_from: '2026-01-01T00:00:00Z'
    },
    {
      type: 'indicator',
      spec_version: '2.1',
      id: id('indicator', 2000 + n),
      created: modified,
      modified,
      name: `own2 ${n}`,
      pattern: "[ipv4-addr:value = '198.51.100.3']",
      pattern_type: 'stix',
      valid_from: '2026-01-01T00:00:00Z'
    },
    { type: 'malware', spec_version: '2.1', id: id('malware', n % 5), created: '2026-01-01T00:00:00.000Z', modified, name: `family ${n % 5}`, is_family: true },
    { type: 'tool', spec_version: '2.0', id: id('tool', n), created: modified, modified, name: `tool ${n}` }
  ]
}

interface Stored {
  digest: string
  at: number
  from: string
  topic: string
  tlp: string
  objects: Array<Record<string, unknown>>
}

describe('TAXII object index', () => {
  let root: string
  let store: Store
  let audit: AuditLog
  let taxii: TaxiiStore
  let indexer: TaxiiIndexer
  const self = generateSigner().signer
  const x = generateSigner().signer
  const y = generateSigner().signer
  const stored: Stored[] = []
  const purged = new Set<string>()
  let n = 0

  async function receive (from: Signer, topic: string, fields: Partial<MessageV1> = {}, storedAt?: number): Promise<Stored> {
    const i = n++
    const msg = freshMessage(from.peerId, [self.peerId], {
      topic,
      body: { type: 'bundle', id: `bundle--5d0092c5-5f74-4287-9642-${i.toString(16).padStart(12, '0')}`, objects: objects(i) },
      ...fields
    })
    const env = signEnvelope(PAYLOAD_TYPES.message, encodeMessage(msg), from)
    const bytes = encodeEnvelope(env)
    const meta = metaOf(msg, envelopeDigest(env), 'in', storedAt ?? T0 + i * 1000)
    await store.commit(store.messageOps(meta, bytes), [auditEvents.messageReceived(meta, bytes)])
    const s = { digest: meta.digest, at: meta.storedAt, from: from.peerId, topic, tlp: msg.tlp, objects: msg.body.objects as Array<Record<string, unknown>> }
    stored.push(s)
    return s
  }

  /** What the collection must serve: every object of the matching messages, less deleted ids. */
  const model = (match: (s: Stored) => boolean, deleted: ReadonlySet<string> = new Set()): IndexEntry[] =>
    stored.filter(match).sort((a, b) => a.at - b.at).flatMap(s => entriesOf(s.objects, s.at, s.digest, deleted))

  /** Every page of a query, following positions as `next` tokens do. */
  async function pages (collection: string, f: Filter): Promise<{ items: IndexEntry[], sizes: number[] }> {
    const items: IndexEntry[] = []
    const sizes: number[] = []
    let after: string | undefined
    for (;;) {
      const page = await selectPage(indexer.index, collection, f, after)
      items.push(...page.items)
      sizes.push(page.items.length)
      if (!page.more) return { items, sizes }
      const last = page.items[page.items.length - 1]
      after = posOf(last.at, last.digest, last.index)
    }
  }

  const q = (query: string, limit = 7): Filter => parseFilter(new URLSearchParams(query), { defaultLimit: limit, maxLimit: 1000 })
  const keyOf = (e: IndexEntry): string => `${e.at}/${e.index}/${e.id}`

  async function expectServes (collection: string, expected: IndexEntry[], queries: string[]): Promise<void> {
    await indexer.sync()
    // The version counts that spare match[version] a look at every id are exact.
    const want = new Map<string, number>()
    for (const e of expected) want.set(e.id, (want.get(e.id) ?? 0) + 1)
    expect(await indexer.index.counts(collection, [...want.keys()])).toEqual(want)
    for (const query of queries) {
      const f = q(query)
      const { items, sizes } = await pages(collection, f)
      const want = applyFilter(expected, f)
      expect(items.map(keyOf), query).toEqual(want.map(keyOf))
      expect(sizes.slice(0, -1).every(s => s === f.limit), query).toBe(true)
    }
  }

  const QUERIES = [
    '',
    'match[type]=malware',
    'match[type]=malware,tool&match[spec_version]=2.0,2.1',
    `match[id]=${id('indicator', 0)}`,
    `match[id]=${id('indicator', 0)}&match[version]=all`,
    'match[version]=first',
    'match[version]=all',
    `match[version]=${new Date(T0 + 120_000).toISOString()}`,
    'match[spec_version]=2.0',
    `added_after=${new Date(T0 + 20_500).toISOString()}`,
    `added_after=${new Date(T0 + 20_500).toISOString()}&match[type]=indicator&match[version]=all`
  ]

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'liaison-taxii-index-'))
    store = await Store.open(join(root, 'store'))
    audit = await AuditLog.open(store, { signer: self, checkpointIntervalMs: 0 })
    taxii = new TaxiiStore(store)
    for (let i = 0; i < 30; i++) await receive(i % 3 === 0 ? y : x, i % 2 === 0 ? 'malware' : 'fraud')
    indexer = new TaxiiIndexer(store, taxii)
    indexer.start()
  })

  afterAll(async () => {
    await indexer.stop()
    await audit.stop()
    await store.close()
    await rm(root, { recursive: true, force: true })
  })

  it('backfills messages stored before the collection, then follows the ones received later', async () => {
    const fromX = await taxii.addCollection({ inbound: { from: x.peerId } })
    const all = await taxii.addCollection({ inbound: {} })
    await expectServes(fromX.id, model(s => s.from === x.peerId), QUERIES)
    for (let i = 0; i < 12; i++) await receive(i % 2 === 0 ? x : y, 'malware')
    await expectServes(fromX.id, model(s => s.from === x.peerId), QUERIES)
    await expectServes(all.id, model(() => true), QUERIES)
    expect((await taxii.indexStates.get(fromX.id))?.state).toBe('built')
  })

  it('notify() indexes a message just received with no reader asking (the node calls it on every stored message)', async () => {
    const [c] = (await taxii.listCollections()).filter(col => col.inbound?.from == null)
    await indexer.sync()
    // An indexer that was never started has no idle poll: only notify() can set it going.
    await indexer.stop()
    const quiet = new TaxiiIndexer(store, taxii)
    try {
      const s = await receive(x, 'malware')
      quiet.notify()
      // No sync(): the index itself is read until the notified pass has written the message.
      const deadline = Date.now() + 30_000
      while (await quiet.index.sub.get(`${c.id}!m!${s.digest}`) == null) {
        if (Date.now() > deadline) throw new Error('not indexed after notify()')
        await new Promise(resolve => setTimeout(resolve, 5))
      }
    } finally {
      await quiet.stop()
      indexer = new TaxiiIndexer(store, taxii)
      indexer.start()
    }
    await expectServes(c.id, model(() => true), QUERIES.slice(0, 3))
  })

  it('serves the signed objects with provenance, one envelope read per message', async () => {
    const [c] = (await taxii.listCollections()).filter(col => col.inbound?.from == null)
    const page = await selectPage(indexer.index, c.id, q('match[version]=all&match[spec_version]=2.0,2.1', 12), undefined)
    const served = await loadObjects(store, self.peerId, page.items)
    for (const [i, e] of page.items.entries()) {
      const s = stored[Math.floor(i / 5)]
      const { x_liaison_provenance: provenance, ...object } = served.get(e) as Record<string, unknown>
      // Unmarked objects inherit the message's TLP (GREEN) as the TLP 2.0 marking.
      expect(object).toEqual({ ...s.objects[i % 5], object_marking_refs: [TLP2_MARKING_IDS.GREEN] })
      expect(provenance).toMatchObject({ sender: s.from, message_digest: s.digest, date_added: new Date(s.at).toISOString() })
    }
  })

  it('DELETE removes every version of an object, and keeps it out of messages received later', async () => {
    const c = await taxii.addCollection({ inbound: { topic: 'malware' } })
    await indexer.sync()
    const gone = id('malware', 2)
    const removed = await indexer.deleteObject(c.id, gone, 'tester')
    expect(removed.length).toBeGreaterThan(1)
    expect(await indexer.deleteObject(c.id, gone, 'tester')).toEqual([])
    for (let i = 0; i < 6; i++) await receive(x, 'malware')
    await expectServes(c.id, model(s => s.topic === 'malware', new Set([gone])), QUERIES)
  })

  it("a purge removes the purged messages' objects (and nothing else)", async () => {
    const c = await taxii.addCollection({ inbound: { from: y.peerId } })
    await indexer.sync()
    const short = [
      await receive(y, 'fraud', { expires: new Date(Date.now() + 200).toISOString() }),
      await receive(y, 'fraud', { expires: new Date(Date.now() + 200).toISOString() })
    ]
    await expectServes(c.id, model(s => s.from === y.peerId), [''])
    const result = await new Purger({ store, audit }).purge(Date.now() + 1000)
    expect(result.purged).toEqual(expect.arrayContaining(short.map(s => s.digest)))
    for (const d of result.purged) purged.add(d)
    await expectServes(c.id, model(s => s.from === y.peerId && !purged.has(s.digest)), QUERIES)
    for (const s of short) expect(await indexer.index.sub.get(`${c.id}!m!${s.digest}`)).toBeUndefined()
  })

  it('dates added never go backwards: a message stored earlier but committed later is added after what was served', async () => {
    const c = await taxii.addCollection({ inbound: { from: x.peerId, topic: 'fraud' } })
    await indexer.sync()
    const before = await pages(c.id, q('match[version]=all'))
    const last = before.items[before.items.length - 1]
    const late = await receive(x, 'fraud', {}, last.at - 5000)
    await indexer.sync()
    const after = await pages(c.id, q(`added_after=${new Date(last.at).toISOString()}&match[version]=all`))
    expect(after.items.length).toBe(4)
    expect(after.items.every(e => e.digest === late.digest && e.at === last.at + 1)).toBe(true)
  })

  it('an inbound collection with a TLP ceiling (--max-tlp) leaves out messages above it; what it serves is marked with the message TLP', async () => {
    const c = await taxii.addCollection({ inbound: { topic: 'ceiling', maxTlp: 'AMBER' } })
    for (const tlp of ['CLEAR', 'AMBER', 'AMBER+STRICT', 'RED', 'GREEN'] as const) await receive(x, 'ceiling', { tlp })
    const within = (s: Stored): boolean => s.topic === 'ceiling' && ['CLEAR', 'GREEN', 'AMBER'].includes(s.tlp)
    await expectServes(c.id, model(within), QUERIES)
    const { items } = await pages(c.id, q('match[version]=all'))
    expect(new Set(items.map(e => e.digest))).toEqual(new Set(stored.filter(within).map(s => s.digest)))
    const served = await loadObjects(store, self.peerId, items)
    const marks = new Set(items.map(e => (served.get(e) as { object_marking_refs: string[] }).object_marking_refs[0]))
    expect(marks).toEqual(new Set([TLP2_MARKING_IDS.CLEAR, TLP2_MARKING_IDS.GREEN, TLP2_MARKING_IDS.AMBER]))
    await taxii.removeCollection(c.id)
  })

  it('migrates a data directory from before the index, resuming a backfill cut short, and forgets removed collections', async () => {
    await indexer.stop()
    const c = await taxii.addCollection({ inbound: { topic: 'fraud' } })
    // What a store from before the index holds: collections, no index, no change feed.
    for await (const keys of indexer.index.collectionKeys(c.id)) expect(keys).toEqual([])
    const cursor = (await (async () => {
      const out: string[] = []
      for await (const k of store.inbox.keys({ limit: 10 })) out.push(k)
      return out
    })())[9]
    await taxii.indexStates.put(c.id, { state: 'building', cursor })
    indexer = new TaxiiIndexer(store, taxii)
    indexer.start()
    const expected = model(s => s.topic === 'fraud' && !purged.has(s.digest))
    // The resumed backfill starts after the cursor: the first ten inbox messages are not re-read.
    const firstTen = new Set(stored.slice(0, 10).map(s => s.digest))
    await expectServes(c.id, expected.filter(e => !firstTen.has(e.digest)), QUERIES)
    expect((await taxii.indexStates.get(c.id))?.state).toBe('built')
    await taxii.removeCollection(c.id)
    await indexer.sync()
    for await (const keys of indexer.index.collectionKeys(c.id)) expect(keys).toEqual([])
    expect(await taxii.indexStates.get(c.id)).toBeUndefined()
  })
})
