/**
 * The node's durable store over LevelDB (`level`). One database, one sublevel per kind of
 * record; every change that belongs together goes through one atomic, fsync'd batch
 * (group-committed, see group-commit.ts).
 *
 *   msg   digest → MessageMeta (json)          env   digest → envelope bytes as signed/received
 *   mid   from!id → digest                     inbox storedAt!digest → ''   sent storedAt!digest → ''
 *   rcpt  digest!by → receipt envelope bytes   dlv   digest!recipient → DeliveryRecord (json)
 *   q     recipient!seq → digest (pending deliveries, in order)
 *   peer  peerId → PeerRecord (json)           meta  key → json
 *
 * @module
 */
import { Level } from 'level'
import { readdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AbstractSublevel } from 'abstract-level'
import { NodeError } from '../errors.ts'
import { GroupCommit, type BatchOp, type BatchTarget } from './group-commit.ts'
import type { DeliveryRecord, DeliveryStatus, MessageMeta, OwnRotation, PeerRecord, PeerRotation, ReleaseRecord } from './records.ts'
import { SeenFilter } from './seen-filter.ts'
import { SpaceGuard } from './space-guard.ts'
import { DEFAULT_STORE_WRITE_BUFFER_BYTES } from '../defaults.ts'

type Root = Level<string, unknown>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sub<V> = AbstractSublevel<Root, any, string, V>

const SEP = '!'

/**
 * Free space a reopen needs beyond the log's own size (a new log file and manifest), checked
 * by writing it.
 */
const REOPEN_SPACE_BYTES = 2 * 1024 * 1024

/** Size of LevelDB's write-ahead logs: on reopen their contents are written out as a table. */
async function logBytes (dir: string): Promise<number> {
  let total = 0
  for (const name of await readdir(dir)) {
    if (name.endsWith('.log')) total += (await stat(join(dir, name))).size
  }
  return total
}

/** Write and delete `bytes` in `dir`: throws (ENOSPC…) when there is not that much room. */
async function probeSpace (dir: string, bytes: number): Promise<void> {
  const file = join(dir, '.space-probe')
  try {
    await writeFile(file, Buffer.alloc(bytes), { flush: true })
  } finally {
    await rm(file, { force: true })
  }
}

/** Release requests and grants are stored like messages (for replay and audit) but are not inbox items. */
const CONTROL_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.liaison.release-request.v1+json',
  'application/vnd.liaison.release-grant.v1+json',
  'application/vnd.liaison.key-rotation.v1+json',
  'application/vnd.liaison.address-update.v1+json',
  'application/vnd.liaison.rotation-approval.v1+json',
  'application/vnd.liaison.taskforce-notice.v1+json'
])
const isControl = (meta: MessageMeta): boolean => meta.payloadType != null && CONTROL_TYPES.has(meta.payloadType)
/** Zero-padded decimal so that lexicographic order is numeric order. */
export const pad = (n: number): string => n.toString().padStart(16, '0')

export interface StoreInit {
  maxBatch?: number
  /**
   * Open an existing store to read it, as the auditor does (on a private snapshot, node/audit/
   * snapshot.ts): never create one, and skip what only a writer needs (the seen filter).
   */
  reader?: boolean
}

export interface InboxQuery {
  since?: number
  from?: string
  limit?: number
}

export class Store {
  readonly db: Root
  readonly location: string
  readonly msg: Sub<MessageMeta>
  readonly env: Sub<Uint8Array>
  readonly mid: Sub<string>
  readonly inbox: Sub<string>
  readonly sent: Sub<string>
  readonly rcpt: Sub<Uint8Array>
  readonly dlv: Sub<DeliveryRecord>
  readonly q: Sub<string>
  readonly peer: Sub<PeerRecord>
  readonly meta: Sub<unknown>
  /** Release requests by request id. */
  readonly rel: Sub<ReleaseRecord>
  /** Usable release grants: messageDigest!recipient → grant envelope digest. */
  readonly grant: Sub<string>
  /** Peers' announced key rotations by old peer ID. */
  readonly rot: Sub<PeerRotation>
  /**
   * Change feed for derived indexes (the TAXII object index, node/taxii/indexer.ts):
   * pad(storedAt)!digest → '' for every inbox message stored or purged, written in the same
   * batch; the indexer deletes each key once it has applied the change.
   */
  readonly changes: Sub<string>
  readonly commits: GroupCommit
  /** Which from!id pairs may be stored (see seen-filter.ts). */
  private readonly seen = new SeenFilter()
  private seq = 0
  private closed = false

  private constructor (db: Root, location: string, init: StoreInit) {
    this.db = db
    this.location = location
    this.space = new SpaceGuard(location)
    // Every sublevel of this database, whoever creates it (the audit log and the witness keep
    // their own): reopening the root does not reopen its sublevels, `reopen()` must.
    const sublevel = db.sublevel.bind(db)
    db.sublevel = ((name: string, options: unknown) => {
      const sub = sublevel(name, options as never)
      this.sublevels.push(sub as unknown as { open: () => Promise<void> })
      return sub
    }) as typeof db.sublevel
    const json = { valueEncoding: 'json' }
    const bytes = { valueEncoding: 'view' }
    const utf8 = { valueEncoding: 'utf8' }
    this.msg = db.sublevel<string, MessageMeta>('msg', json)
    this.env = db.sublevel<string, Uint8Array>('env', bytes)
    this.mid = db.sublevel<string, string>('mid', utf8)
    this.inbox = db.sublevel<string, string>('inbox', utf8)
    this.sent = db.sublevel<string, string>('sent', utf8)
    this.rcpt = db.sublevel<string, Uint8Array>('rcpt', bytes)
    this.dlv = db.sublevel<string, DeliveryRecord>('dlv', json)
    this.q = db.sublevel<string, string>('q', utf8)
    this.peer = db.sublevel<string, PeerRecord>('peer', json)
    this.meta = db.sublevel<string, unknown>('meta', json)
    this.rel = db.sublevel<string, ReleaseRecord>('rel', json)
    this.grant = db.sublevel<string, string>('grant', utf8)
    this.rot = db.sublevel<string, PeerRotation>('rot', json)
    this.changes = db.sublevel<string, string>('chg', utf8)
    this.commits = new GroupCommit(db as unknown as BatchTarget, {
      maxOps: init.maxBatch ?? 4096,
      recover: async () => {
        await this.reopen()
      },
      precheck: async () => {
        await this.space.check()
      }
    })
  }

  /** Open (creating if needed). A store held by another process fails with DATA_DIR_IN_USE. */
  static async open (location: string, init: StoreInit = {}): Promise<Store> {
    const db = new Level<string, unknown>(location, {
      valueEncoding: 'json',
      writeBufferSize: DEFAULT_STORE_WRITE_BUFFER_BYTES,
      ...(init.reader === true ? { createIfMissing: false } : {})
    })
    try {
      await db.open()
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause
      if (cause?.code === 'LEVEL_LOCKED') {
        throw new NodeError('DATA_DIR_IN_USE', `the store at ${location} is in use by another process (is a node running on this data directory?)`, {
          cause: err
        })
      }
      throw err
    }
    const store = new Store(db, location, init)
    store.seq = ((await store.meta.get('seq')) as number | undefined) ?? 0
    if (init.reader === true) return store
    // Batches of entries per native call, around the block cache (each block is read once);
    // LevelDB reads the next batch while this one is hashed.
    // fillCache is classic-level's option (the sublevel passes it on), unknown to the abstract types.
    const ids = store.mid.iterator({ keys: true, values: true, fillCache: false } as { keys: true, values: true })
    try {
      let next = ids.nextv(1024)
      for (let batch = await next; batch.length > 0; batch = await next) {
        next = ids.nextv(1024)
        for (const [key, digest] of batch) {
          store.seen.add(key)
          store.seen.add(digest)
        }
      }
    } finally {
      await ids.close()
    }
    return store
  }

  /**
   * After a failed write: close and open the database again, so that LevelDB recovers its log
   * (up to the torn record of the failed write) and continues in a fresh log file.
   */
  private async reopen (): Promise<void> {
    if (this.closed) throw new Error('store is closed')
    // Only once there is room again: a reopen on a full disk would fail half-way and leave
    // the store closed to readers too. Until then the database stays open for reading and
    // every write is refused.
    if (this.db.status === 'open') await probeSpace(this.location, REOPEN_SPACE_BYTES + await logBytes(this.location))
    if (this.db.status === 'open') await this.db.close()
    // Once closed, keep trying to open: readers are refused until it is open again.
    for (let attempt = 0;; attempt++) {
      try {
        await this.db.open()
        await Promise.all(this.sublevels.map(async s => {
          await s.open()
        }))
        return
      } catch (err) {
        this.reopenError = err
        if (this.closed || attempt >= 600) throw err
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
  }

  private readonly sublevels: Array<{ open: () => Promise<void> }> = []

  /** Refuses writes while the disk is nearly full, before LevelDB ever meets ENOSPC. */
  readonly space: SpaceGuard

  /** The last error from reopening after a failed write (for diagnostics). */
  reopenError: unknown

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.commits.flushed()
    await this.db.close()
  }

  /**
   * Atomically and durably apply operations (group-committed with concurrent callers). Audit
   * events given here are appended to the audit log in the same write (see CommitSequencer).
   */
  commit (ops: BatchOp[], events?: unknown[]): Promise<void> {
    return this.commits.write(ops, events)
  }

  nextSeq (): number {
    return ++this.seq
  }

  seqOp (): BatchOp {
    return { type: 'put', sublevel: this.meta, key: 'seq', value: this.seq }
  }

  // ---- messages -------------------------------------------------------------------------

  async getMeta (digest: string): Promise<MessageMeta | undefined> {
    return await this.msg.get(digest)
  }

  async getEnvelope (digest: string): Promise<Uint8Array | undefined> {
    return await this.env.get(digest)
  }

  /** `getMeta` of many messages in one read (LevelDB getMany), in the order given. */
  async getMetas (digests: readonly string[]): Promise<Array<MessageMeta | undefined>> {
    return digests.length === 0 ? [] : await this.msg.getMany([...digests])
  }

  /** `getEnvelope` of many messages in one read, in the order given. */
  async getEnvelopes (digests: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return digests.length === 0 ? [] : await this.env.getMany([...digests])
  }

  async digestOf (from: string, id: string): Promise<string | undefined> {
    const key = from + SEP + id
    if (!this.seen.mayHave(key)) return undefined
    return await this.mid.get(key)
  }

  /** Operations that store a message (either direction) and its indexes. */
  messageOps (meta: MessageMeta, envelope: Uint8Array): BatchOp[] {
    // Marking before the write lands is safe: a false positive only costs a read.
    this.seen.add(meta.from + SEP + meta.id)
    this.seen.add(meta.digest)
    return [
      { type: 'put', sublevel: this.msg, key: meta.digest, value: meta },
      { type: 'put', sublevel: this.env, key: meta.digest, value: envelope },
      { type: 'put', sublevel: this.mid, key: meta.from + SEP + meta.id, value: meta.digest },
      ...(isControl(meta)
        ? []
        : [
          { type: 'put', sublevel: meta.direction === 'in' ? this.inbox : this.sent, key: pad(meta.storedAt) + SEP + meta.digest, value: '' } satisfies BatchOp
        ]),
      ...(isControl(meta) || meta.direction !== 'in' ? [] : [this.changeOp(meta)])
    ]
  }

  /** The change-feed entry for a stored message (see `changes`); the purger adds it too. */
  changeOp (meta: MessageMeta): BatchOp {
    return { type: 'put', sublevel: this.changes, key: pad(meta.storedAt) + SEP + meta.digest, value: '' }
  }

  receiptOp (digest: string, by: string, receipt: Uint8Array): BatchOp {
    return { type: 'put', sublevel: this.rcpt, key: digest + SEP + by, value: receipt }
  }

  /** Our own receipt for an envelope we stored, if we did (filtered: no read for new digests). */
  async ownReceipt (digest: string, self: string): Promise<Uint8Array | undefined> {
    if (!this.seen.mayHave(digest)) return undefined
    return await this.rcpt.get(digest + SEP + self)
  }

  /** False when no message with this digest was ever stored here (the filter: no read). */
  mayHaveDigest (digest: string): boolean {
    return this.seen.mayHave(digest)
  }

  async getReceipt (digest: string, by: string): Promise<Uint8Array | undefined> {
    return await this.rcpt.get(digest + SEP + by)
  }

  async receiptsFor (digest: string): Promise<Array<{ by: string, envelope: Uint8Array }>> {
    const out: Array<{ by: string, envelope: Uint8Array }> = []
    for await (const [key, value] of this.rcpt.iterator({ gt: digest + SEP, lt: digest + SEP + '\xff' })) {
      out.push({ by: key.slice(digest.length + 1), envelope: value })
    }
    return out
  }

  /** Resolve a message id (UUIDv7) or digest to its digest. */
  async resolveRef (ref: string): Promise<string | undefined> {
    if (/^[0-9a-f]{64}$/.test(ref)) return (await this.msg.get(ref)) != null ? ref : undefined
    for await (const [key, value] of this.mid.iterator()) {
      if (key.endsWith(SEP + ref)) return value
    }
    return undefined
  }

  async listMessages (direction: 'in' | 'out', query: InboxQuery = {}): Promise<MessageMeta[]> {
    const index = direction === 'in' ? this.inbox : this.sent
    const out: MessageMeta[] = []
    const limit = query.limit ?? Infinity
    const range = query.since != null ? { gte: pad(query.since) } : {}
    for await (const key of index.keys(range)) {
      const meta = await this.msg.get(key.slice(17))
      if (meta == null) continue
      if (query.from != null && meta.from !== query.from) continue
      out.push(meta)
      if (out.length >= limit) break
    }
    return out
  }

  // ---- release workflow ----------------------------------------------------------------

  releaseOp (record: ReleaseRecord): BatchOp {
    return { type: 'put', sublevel: this.rel, key: record.requestId, value: record }
  }

  async getRelease (requestId: string): Promise<ReleaseRecord | undefined> {
    return await this.rel.get(requestId)
  }

  async listReleases (): Promise<ReleaseRecord[]> {
    const out: ReleaseRecord[] = []
    for await (const value of this.rel.values()) out.push(value)
    return out
  }

  grantOp (messageDigest: string, recipient: string, grantDigest: string): BatchOp {
    return { type: 'put', sublevel: this.grant, key: messageDigest + SEP + recipient, value: grantDigest }
  }

  async grantFor (messageDigest: string, recipient: string): Promise<string | undefined> {
    return await this.grant.get(messageDigest + SEP + recipient)
  }

  // ---- key rotation ----------------------------------------------------------------------

  rotationOp (record: PeerRotation): BatchOp {
    return { type: 'put', sublevel: this.rot, key: record.oldPeerId, value: record }
  }

  async listRotations (): Promise<PeerRotation[]> {
    const out: PeerRotation[] = []
    for await (const value of this.rot.values()) out.push(value)
    return out
  }

  async ownRotation (): Promise<OwnRotation | undefined> {
    return await this.meta.get('own-rotation') as OwnRotation | undefined
  }

  /** A peer's signed approval of this node's rotation (its notice's arrival time, RFC 3339). */
  rotationApprovalOp (statementDigest: string, by: string, approval: { approved: string, notice: string }): BatchOp {
    return { type: 'put', sublevel: this.meta, key: 'rotation-approval' + SEP + statementDigest + SEP + by, value: approval }
  }

  async rotationApproval (statementDigest: string, by: string): Promise<{ approved: string, notice: string } | undefined> {
    return await this.meta.get('rotation-approval' + SEP + statementDigest + SEP + by) as { approved: string, notice: string } | undefined
  }

  ownRotationOp (record: OwnRotation | undefined): BatchOp {
    return record == null ? { type: 'del', sublevel: this.meta, key: 'own-rotation' } : { type: 'put', sublevel: this.meta, key: 'own-rotation', value: record }
  }

  // ---- outbox ---------------------------------------------------------------------------

  deliveryOps (record: DeliveryRecord, previous?: DeliveryRecord): BatchOp[] {
    const ops: BatchOp[] = [{ type: 'put', sublevel: this.dlv, key: record.digest + SEP + record.recipient, value: record }]
    const queued = record.status === 'pending'
    const wasQueued = previous?.status === 'pending'
    if (queued && !wasQueued) ops.push({ type: 'put', sublevel: this.q, key: record.recipient + SEP + pad(record.seq), value: record.digest })
    if (!queued && wasQueued) ops.push({ type: 'del', sublevel: this.q, key: record.recipient + SEP + pad(record.seq) })
    return ops
  }

  async getDelivery (digest: string, recipient: string): Promise<DeliveryRecord | undefined> {
    return await this.dlv.get(digest + SEP + recipient)
  }

  /** Pending deliveries to one recipient, in queue order, after `afterSeq`. */
  async pendingFor (recipient: string, limit: number, afterSeq = 0): Promise<Array<{ seq: number, digest: string }>> {
    const out: Array<{ seq: number, digest: string }> = []
    const prefix = recipient + SEP
    for await (const [key, digest] of this.q.iterator({ gt: prefix + pad(afterSeq), lt: prefix + '\xff', limit })) {
      out.push({ seq: Number(key.slice(prefix.length)), digest })
    }
    return out
  }

  /** Recipients that have anything pending. */
  async recipientsWithPending (): Promise<Set<string>> {
    const out = new Set<string>()
    let cursor: string | undefined
    while (true) {
      const it = this.q.keys(cursor == null ? { limit: 1 } : { gt: cursor + SEP + '\xff', limit: 1 })
      const first = await it.next()
      await it.close()
      if (first == null) return out
      const recipient = first.slice(0, first.indexOf(SEP))
      out.add(recipient)
      cursor = recipient
    }
  }

  async listDeliveries (status?: DeliveryStatus): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = []
    for await (const value of this.dlv.values()) {
      if (status == null || value.status === status) out.push(value)
    }
    return out
  }

  async countPending (): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    for await (const key of this.q.keys()) {
      const r = key.slice(0, key.indexOf(SEP))
      counts.set(r, (counts.get(r) ?? 0) + 1)
    }
    return counts
  }

  // ---- trust list -----------------------------------------------------------------------

  async listPeers (): Promise<PeerRecord[]> {
    const out: PeerRecord[] = []
    for await (const value of this.peer.values()) out.push(value)
    return out
  }

  async getPeer (peerId: string): Promise<PeerRecord | undefined> {
    return await this.peer.get(peerId)
  }

  peerOp (record: PeerRecord): BatchOp {
    return { type: 'put', sublevel: this.peer, key: record.peerId, value: record }
  }

  peerDelOp (peerId: string): BatchOp {
    return { type: 'del', sublevel: this.peer, key: peerId }
  }
}
