/**
 * Keeps the object index (object-index.ts) in step with the store, one change at a time, so
 * that nothing races: the only writer of the index.
 *
 * - Received and purged messages: the store writes a change-feed key (`Store.changes`) in the
 *   same batch as the message or its purge; the indexer adds the bundle's objects to every
 *   inbound collection whose filter the message matches, or removes a purged message's
 *   objects from every collection, and deletes the feed key in the same batch as its index
 *   writes (a crash in between redoes the change, which is idempotent).
 * - Messages an outbound collection sent: `ingest` writes a marker (`TaxiiStore.outboundMarks`)
 *   with its status resource; the indexer adds them the same way — once POSTs pause
 *   (`outboundWritten`: none for OUTBOUND_QUIET_MS), a reader asks (`sync`), or more than
 *   OUTBOUND_BACKLOG messages wait. The outbound index serves only clients reading back what
 *   they sent, and keeping it in step during a burst cost A about 40 % of its CPU per POST in the
 *   TAXII bench (0.75× → 1.05× plain send without it): the work is not saved, it moves out of
 *   the burst, and the backlog cap bounds both how far it falls behind and what a reader waits.
 * - Collections: one without an index state (new, or a data directory from before the index)
 *   is backfilled from the inbox (inbound) or its sent messages (outbound), in chunks that
 *   record their progress (a restart resumes); a removed collection's keys are deleted.
 * - DELETE of an object: its keys and the local-deletion mark, with the audit event, in one batch.
 *
 * Date added: a backfilled message's objects were added when the node stored the message; an
 * object indexed later was added when the indexer added it — its `storedAt`, or just after the
 * collection's latest date added when that is later. Dates added therefore never go backwards
 * in a collection once it is built: a client that resumes with `added_after` set to the last
 * `X-TAXII-Date-Added-Last` it saw (OpenCTI does) misses nothing, even when messages stored
 * close together were committed out of order.
 *
 * The node calls `notify()` whenever it stores a received message, so indexing runs alongside
 * the traffic rather than all at once when a client next asks (a client polling after a burst
 * otherwise waited for the whole burst to be indexed: ~300 ms after 200 messages in the TAXII
 * bench). Notifications while a pass runs coalesce into one more pass.
 *
 * Readers call `sync(collection)` first: it resolves once every change committed before the
 * call is in the index and that collection's backfill is complete, so a TAXII client sees what
 * the inbox shows (and a collection being backfilled does not hold up the others).
 *
 * @module
 */
import type { Logger } from 'pino'
import { decodeEnvelope } from '../../protocol/envelope.ts'
import { isStixBundle, type StixObject } from '../../protocol/stix/index.ts'
import { TLP_LEVELS, type MessageV1, type Tlp } from '../../protocol/types.ts'
import { auditEvents } from '../audit/events.ts'
import type { MessageMeta, Store } from '../store/index.ts'
import { entriesOf, IndexBatch, type IndexEntry, ObjectIndex } from './object-index.ts'
import type { TaxiiCollection } from './records.ts'
import type { TaxiiStore } from './taxii-store.ts'

/** Changes (or backfilled messages) applied per batch. */
const CHUNK = 256
/** How often the indexer looks for changes when nobody asks (ms). */
const IDLE_POLL_MS = 500
/** Outbound marks wait while POSTs came within this long (ms)… */
const OUTBOUND_QUIET_MS = IDLE_POLL_MS
/** …unless more than this many messages wait (then they are indexed alongside the POSTs). */
const OUTBOUND_BACKLOG = 10_000

interface IndexState {
  state: 'building' | 'built'
  cursor?: string
}

interface DeleteJob {
  collection: string
  id: string
  client: string
  done: (entries: IndexEntry[]) => void
  fail: (err: unknown) => void
}

const rank = (t: Tlp): number => TLP_LEVELS.indexOf(t)

/** Whether an inbound collection serves a received message (its filter: sender, topic, TLP). */
export function inboundMatches (collection: TaxiiCollection, meta: MessageMeta): boolean {
  if (collection.direction !== 'inbound' || meta.direction !== 'in' || meta.payloadType != null) return false
  const f = collection.inbound ?? {}
  return (f.from == null || meta.from === f.from) && (f.topic == null || meta.topic === f.topic) && (f.maxTlp == null || rank(meta.tlp) <= rank(f.maxTlp))
}

/** What a stored message carries for the index: the message and its STIX objects. */
export interface BundleContent {
  msg: MessageV1
  objects: StixObject[]
}

/** The STIX objects of a stored envelope, or undefined when it carries none or cannot be read (logged). */
export function objectsOf (bytes: Uint8Array | undefined, digest: string, logger?: Logger): BundleContent | undefined {
  if (bytes == null) return undefined
  let msg: MessageV1
  try {
    msg = JSON.parse(Buffer.from(decodeEnvelope(bytes).payload).toString('utf8')) as MessageV1
  } catch (err) {
    logger?.error({ err, digest }, 'stored envelope unreadable; left out of the TAXII index')
    return undefined
  }
  if (!isStixBundle(msg.body)) return undefined
  return { msg, objects: (msg.body.objects ?? []) as StixObject[] }
}

/** A message to add to a collection in this pass; `at` fixes its date added (a backfill). */
interface Addition {
  c: TaxiiCollection
  meta: MessageMeta
  content: BundleContent | undefined
  at?: number
}

export class TaxiiIndexer {
  readonly index: ObjectIndex
  private readonly store: Store
  private readonly taxii: TaxiiStore
  private readonly logger: Logger | undefined
  private readonly jobs: DeleteJob[] = []
  private readonly waiters: Array<{ gen: number, collection?: string, resolve: () => void, reject: (err: unknown) => void }> = []
  private requested = 0
  private running: Promise<void> | undefined
  private again = false
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  /** Collections at the last pass, undefined before the first (notify() only matters when there are some). */
  private collections: number | undefined
  /** Latest date added per collection (read from the index on first use). */
  private readonly latest = new Map<string, number>()
  /** Each collection's index state, read once: this indexer is their only writer. */
  private states: Map<string, IndexState> | undefined
  /** Whether a pass has drained outbound marks once (later ones look only while outbound collections exist). */
  private outboundChecked = false
  /** Until when outbound marks wait (see the module comment), and how many messages' marks were written since the last drain. */
  private outboundQuietAt = 0
  private outboundWaiting = 0

  constructor (store: Store, taxii: TaxiiStore, logger?: Logger) {
    this.store = store
    this.taxii = taxii
    this.logger = logger
    this.index = new ObjectIndex(taxii.index)
  }

  start (): void {
    this.timer = setInterval(() => {
      this.kick()
    }, IDLE_POLL_MS)
    this.timer.unref()
    this.kick()
  }

  async stop (): Promise<void> {
    this.stopped = true
    if (this.timer != null) clearInterval(this.timer)
    await this.running?.catch(() => {})
    const stopped = new Error('the TAXII indexer has stopped')
    for (const w of this.waiters.splice(0)) w.reject(stopped)
    for (const job of this.jobs.splice(0)) job.fail(stopped)
  }

  /**
   * Resolves once every change committed before this call is in the index, and the
   * collection's backfill (if it is named) or every backfill is complete.
   */
  async sync (collection?: string): Promise<void> {
    const gen = ++this.requested
    await new Promise<void>((resolve, reject) => {
      this.waiters.push({ gen, ...(collection != null ? { collection } : {}), resolve, reject })
      this.kick()
    })
  }

  /** Removes every version of an object from a collection (audited); the entries removed. */
  async deleteObject (collection: string, id: string, client: string): Promise<IndexEntry[]> {
    return await new Promise<IndexEntry[]>((resolve, reject) => {
      this.jobs.push({ collection, id, client, done: resolve, fail: reject })
      this.kick()
    })
  }

  /**
   * Something was stored that may belong in the index: run a pass soon (coalesced). A node with
   * no collection ignores it (its idle poll drains the change feed): a pass per received batch
   * would only add work to the receive path.
   */
  notify (): void {
    if (this.collections !== 0) this.kick()
  }

  /** A POST to an outbound collection just sent `messages` messages: their marks wait for a pause (module comment). */
  outboundWritten (messages: number, now = Date.now()): void {
    this.outboundQuietAt = now + OUTBOUND_QUIET_MS
    this.outboundWaiting += messages
  }

  private kick (): void {
    if (this.stopped) return
    if (this.running != null) {
      this.again = true
      return
    }
    this.running = this.loop().finally(() => {
      this.running = undefined
    })
  }

  private async loop (): Promise<void> {
    do {
      this.again = false
      const gen = this.requested
      try {
        const { drained, building } = await this.pass()
        if (drained) this.settle(gen, building)
        if (!drained || building.size > 0) this.again = true
      } catch (err) {
        this.logger?.error({ err }, 'TAXII index update failed; retrying')
        for (const w of this.waiters.splice(0)) w.reject(err)
        await new Promise(resolve => setTimeout(resolve, 1000))
        this.again = this.waiters.length > 0 || this.jobs.length > 0
      }
    } while (this.again && !this.stopped)
  }

  private settle (gen: number, building: ReadonlySet<string>): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]
      const ready = w.collection != null ? !building.has(w.collection) : building.size === 0
      if (w.gen <= gen && ready) this.waiters.splice(i, 1)[0].resolve()
    }
  }

  /**
   * One round of work: `drained` when the change queues were empty (everything committed
   * before the round began is indexed), `building` the collections still being backfilled.
   */
  private async pass (): Promise<{ drained: boolean, building: Set<string> }> {
    const collections = await this.taxii.listCollections()
    this.collections = collections.length
    const building = await this.reconcile(collections)
    for (const job of this.jobs.splice(0)) await this.runDelete(job)
    const changes = await this.applyChanges(collections)
    // Marks are written only for outbound collections; one pass drains any left by a removed one.
    // They wait during a burst of POSTs unless a reader asks or the backlog is long.
    const burst = this.waiters.length === 0 && this.outboundWaiting <= OUTBOUND_BACKLOG && Date.now() < this.outboundQuietAt
    const wanted = !this.outboundChecked || (!burst && collections.some(c => c.direction === 'outbound'))
    const sent = wanted ? await this.applyOutbound(collections) : 0
    if (wanted && sent < CHUNK) this.outboundWaiting = 0
    this.outboundChecked = true
    return { drained: changes < CHUNK && sent < CHUNK, building }
  }

  /** Backfills collections without an index (one chunk each), removes those of removed ones; those still building. */
  private async reconcile (collections: TaxiiCollection[]): Promise<Set<string>> {
    if (this.states == null) {
      const read = new Map<string, IndexState>()
      for await (const [id, state] of this.taxii.indexStates.iterator()) read.set(id, state)
      this.states = read
    }
    const states = new Map(this.states)
    const building = new Set<string>()
    for (const c of collections) {
      const state = states.get(c.id)
      states.delete(c.id)
      if (state?.state === 'built') continue
      if (!await this.backfill(c, state?.cursor)) building.add(c.id)
    }
    for (const gone of states.keys()) {
      for await (const keys of this.index.collectionKeys(gone)) {
        await this.store.commit(keys.map(key => ({ type: 'del', sublevel: this.index.sub, key })))
      }
      await this.store.commit([{ type: 'del', sublevel: this.taxii.indexStates, key: gone }])
      this.states.delete(gone)
      this.latest.delete(gone)
    }
    return building
  }

  /** One chunk of a collection's backfill; true once it is complete. */
  private async backfill (c: TaxiiCollection, cursor: string | undefined): Promise<boolean> {
    const source = c.direction === 'inbound' ? this.store.inbox : this.taxii.sent
    const prefix = c.direction === 'inbound' ? '' : c.id + '!'
    const range = { gt: prefix + (cursor ?? ''), lt: prefix + '\xff', limit: CHUNK }
    const keys: string[] = []
    for await (const key of source.keys(range)) keys.push(key)
    const batch = new IndexBatch()
    const metas = (await this.store.getMetas(keys.map(key => key.slice(key.lastIndexOf('!') + 1))))
      .filter((meta): meta is MessageMeta => meta != null && (c.direction !== 'inbound' || inboundMatches(c, meta)))
    const contents = await this.contentsOf(metas.map(meta => meta.digest))
    await this.addMany(batch, metas.map((meta, i) => ({ c, meta, content: contents[i], at: meta.storedAt })))
    const complete = keys.length < CHUNK
    const state: IndexState = complete ? { state: 'built' } : { state: 'building', cursor: keys[keys.length - 1].slice(prefix.length) }
    batch.ops.push({ type: 'put', sublevel: this.taxii.indexStates, key: c.id, value: state })
    await this.store.commit(await this.index.finish(batch))
    this.states?.set(c.id, state)
    if (complete) this.logger?.info({ collection: c.id }, 'TAXII collection index built')
    return complete
  }

  /** The date added for an object indexed now: its storedAt, never before the collection's latest. */
  private async dateAdded (collection: string, storedAt: number): Promise<number> {
    const latest = this.latest.get(collection) ?? await this.index.lastAt(collection)
    return storedAt > latest ? storedAt : latest + 1
  }

  /** The contents of many stored messages, read in one go. */
  private async contentsOf (digests: readonly string[]): Promise<Array<BundleContent | undefined>> {
    const envelopes = await this.store.getEnvelopes(digests)
    return digests.map((digest, i) => objectsOf(envelopes[i], digest, this.logger))
  }

  /**
   * Adds messages to collections, in order: what the index already holds and which objects
   * were deleted locally are read for all of them at once (two reads, not two per message).
   */
  private async addMany (batch: IndexBatch, additions: readonly Addition[]): Promise<void> {
    const live = additions.filter((a): a is Addition & { content: BundleContent } => a.content != null)
    if (live.length === 0) return
    const idsOf = live.map(a => [...new Set(a.content.objects.map(o => String(o.id)))])
    const held = await this.index.held(live.map(a => ({ collection: a.c.id, digest: a.meta.digest })))
    const markKeys = live.flatMap((a, n) => idsOf[n].map(id => a.c.id + '!' + id))
    const marks = markKeys.length > 0 ? await this.taxii.deleted.getMany(markKeys) : []
    const deleted = new Set(markKeys.filter((_, k) => marks[k] != null))
    for (const [n, a] of live.entries()) {
      const at = a.at ?? await this.dateAdded(a.c.id, a.meta.storedAt)
      this.latest.set(a.c.id, Math.max(at, this.latest.get(a.c.id) ?? 0))
      const skip = new Set(idsOf[n].filter(id => deleted.has(a.c.id + '!' + id)))
      this.index.add(batch, a.c.id, a.meta.digest, entriesOf(a.content.objects, at, a.meta.digest, skip), held[n])
    }
  }

  /** Received and purged messages from the store's change feed. */
  private async applyChanges (collections: TaxiiCollection[]): Promise<number> {
    const keys: string[] = []
    for await (const key of this.store.changes.keys({ limit: CHUNK })) keys.push(key)
    if (keys.length === 0) return 0
    const batch = new IndexBatch()
    for (const key of keys) batch.ops.push({ type: 'del', sublevel: this.store.changes, key })
    // No collection, nothing to learn (a node that does not use TAXII only drains its feed).
    const metas = collections.length === 0 ? [] : await this.store.getMetas(keys.map(key => key.slice(key.lastIndexOf('!') + 1)))
    const wanted: Array<{ meta: MessageMeta, matching: TaxiiCollection[] }> = []
    for (const meta of metas) {
      if (meta == null) continue
      if (meta.purgedAt != null) {
        for (const c of collections) await this.index.removeMessage(batch, c.id, meta.digest)
        continue
      }
      const matching = collections.filter(c => inboundMatches(c, meta))
      if (matching.length > 0) wanted.push({ meta, matching })
    }
    const contents = await this.contentsOf(wanted.map(w => w.meta.digest))
    await this.addMany(batch, wanted.flatMap((w, i) => w.matching.map(c => ({ c, meta: w.meta, content: contents[i] }))))
    await this.store.commit(await this.index.finish(batch))
    return keys.length
  }

  /** Messages outbound collections sent (marked by ingest). */
  private async applyOutbound (collections: TaxiiCollection[]): Promise<number> {
    const keys: string[] = []
    for await (const key of this.taxii.outboundMarks.keys({ limit: CHUNK })) keys.push(key)
    if (keys.length === 0) return 0
    const byId = new Map(collections.map(c => [c.id, c]))
    const batch = new IndexBatch()
    for (const key of keys) batch.ops.push({ type: 'del', sublevel: this.taxii.outboundMarks, key })
    const marked = keys.map(key => key.split('!')).map(([, digest, collection]) => ({ digest, c: byId.get(collection) }))
    const metas = await this.store.getMetas(marked.map(m => m.digest))
    const wanted: Array<{ c: TaxiiCollection, meta: MessageMeta }> = []
    marked.forEach(({ c }, i) => {
      const meta = metas[i]
      if (c != null && meta != null && meta.purgedAt == null) wanted.push({ c, meta })
    })
    const contents = await this.contentsOf(wanted.map(w => w.meta.digest))
    await this.addMany(batch, wanted.map((w, i) => ({ ...w, content: contents[i] })))
    await this.store.commit(await this.index.finish(batch))
    return keys.length
  }

  private async runDelete (job: DeleteJob): Promise<void> {
    try {
      const batch = new IndexBatch()
      const entries = await this.index.removeObject(batch, job.collection, job.id)
      if (entries.length > 0) {
        batch.ops.push(this.taxii.deleteOp(job.collection, job.id, Date.now()))
        await this.store.commit(await this.index.finish(batch), [
          auditEvents.taxiiRequest({
            client: job.client,
            collection: job.collection,
            action: 'object.delete',
            objects: [job.id],
            digests: [...new Set(entries.map(e => e.digest))]
          })
        ])
      }
      job.done(entries)
    } catch (err) {
      job.fail(err)
    }
  }
}
