/**
 * The tamper-evident audit log: an RFC 9162 Merkle tree over audit entries, appended in the same
 * atomic LevelDB batch as the events it records, with signed checkpoints.
 *
 * It is the store's CommitSequencer (node/store/group-commit.ts): when group commit forms a batch
 * it calls `seal(events)`, and the log turns each event into an entry, its leaf and the tree nodes
 * the leaf completes — operations that join the batch. `settle(true)` makes the new tree head
 * durable; `settle(false)` (the batch failed) forgets it, so the in-memory frontier never runs
 * ahead of the disk. A message is therefore never stored without its leaf, nor a leaf without
 * the message. Checkpoints and proofs only ever cover durable (settled) leaves.
 *
 * Entries are stamped with the seal time (`at`), never decreasing along the log.
 *
 * @example
 * ```ts
 * const audit = await AuditLog.open(store, { signer, logger })   // installs itself on the store
 * audit.start()                                                    // periodic checkpoints
 * await store.commit(ops, [auditEvents.messageSent(meta, envelope)])
 * const cp = await audit.checkpoint()                              // on demand
 * await audit.stop()                                               // final checkpoint; then store.close()
 * ```
 *
 * @module
 */
import type { Logger } from 'pino'
import { leafHash } from '../../protocol/merkle.ts'
import { appendLeaf, consistencyProof, frontierFromStore, inclusionProof, MerkleAppender, perfectSubtrees } from '../../protocol/merkle-tree.ts'
import type { NodeRef, NodeStore } from '../../protocol/merkle-tree.ts'
import { multiProof } from '../../protocol/merkle-multiproof.ts'
import { checkpointOrigin } from '../../protocol/checkpoint.ts'
import type { Signer } from '../../protocol/types.ts'
import { NodeError } from '../errors.ts'
import type { BatchOp, CommitSequencer, Store } from '../store/index.ts'
import { AuditStore, pad } from './audit-store.ts'
import type { NodeKeyRecord } from './audit-store.ts'
import { issueCheckpoint, openNodeCheckpoint } from './checkpoints.ts'
import type { NodeCheckpoint } from './checkpoints.ts'
import { decodeEntry, encodeEntry, entryDigests } from './entry.ts'
import type { AuditEntry } from './entry.ts'
import { auditEvents, isAuditEvent } from './events.ts'
import type { AuditEvent } from './events.ts'
import { DEFAULT_CHECKPOINT_INTERVAL_MS } from '../defaults.ts'
import { proveDigest } from './proof.ts'
import type { DigestProof } from './proof.ts'

export { DEFAULT_CHECKPOINT_INTERVAL_MS } from '../defaults.ts'

/** Events per commit when adopting messages stored before the log existed. */
const BACKFILL_CHUNK = 1000

export interface AuditLogInit {
  /** The node key: signs checkpoints. Without it the log appends and proves but cannot sign. */
  signer?: Signer
  logger?: Logger
  /** Clock (epoch ms), for tests. */
  now?: () => number
  /** Periodic checkpoints once `start()`ed; 0 disables the timer. */
  checkpointIntervalMs?: number
  /** Install as `store.commits.sequencer` (default true). */
  install?: boolean
}

/**
 * Put one in a `store.commit(ops, events)` to have the log sign a checkpoint in the same write
 * (PROTOCOL.md §22: a batch receipt is a proof under a checkpoint that is durable with the
 * batch). Once the commit has resolved, `first` is the leaf index of the event right after the
 * request and `checkpoint` covers every leaf of the write. Requests are not leaves.
 */
export class CheckpointRequest {
  first = -1
  checkpoint: NodeCheckpoint | undefined
  /** The entry bytes of the `capture` events right after the request, as logged. */
  readonly entries: Uint8Array[] = []
  readonly capture: number

  constructor (capture = 0) {
    this.capture = capture
  }
}

/** Tree nodes kept in memory for receipt proofs (about two per leaf); beyond this the oldest go. */
const HOT_NODES = 1 << 18

interface TreeHead {
  size: number
  frontier: Uint8Array[]
  /** Seal time of the newest entry (epoch ms). */
  at: number
}

export class AuditLog implements CommitSequencer {
  readonly store: Store
  readonly audit: AuditStore
  readonly nodes: NodeStore
  private readonly signer: Signer | undefined
  private readonly logger: Logger | undefined
  private readonly now: () => number
  private readonly intervalMs: number
  private durable: TreeHead
  private sealed: TreeHead | undefined
  private keys: NodeKeyRecord[]
  private latest: NodeCheckpoint | undefined
  private timer: NodeJS.Timeout | undefined
  private issuing: Promise<NodeCheckpoint | undefined> | undefined
  private stopped = false
  /** The checkpoint signed into the batch being sealed (see CheckpointRequest). */
  private sealedCheckpoint: NodeCheckpoint | undefined
  /** Newest time (POSIX seconds) of any checkpoint signed, so times never decrease. */
  private lastTime = 0
  /** Recent tree nodes and the frontier, `level/index` → hash: receipt proofs read no disk. */
  private hot = new Map<string, Uint8Array>()
  private readonly hotNodes: NodeStore

  private constructor (store: Store, audit: AuditStore, head: TreeHead, keys: NodeKeyRecord[], init: AuditLogInit) {
    this.store = store
    this.audit = audit
    this.nodes = audit.nodeStore()
    this.durable = head
    this.keys = keys
    this.signer = init.signer
    this.logger = init.logger
    this.now = init.now ?? Date.now
    this.intervalMs = init.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS
    const base = this.nodes
    const hot = (ref: NodeRef): Uint8Array | undefined => this.hot.get(`${ref.level}/${ref.index}`)
    this.hotNodes = {
      get: async (level, index) => hot({ level, index }) ?? await base.get(level, index),
      getMany: async (refs) => {
        const out = refs.map(hot)
        const missing = refs.filter((_r, i) => out[i] === undefined)
        if (missing.length === 0) return out
        const read = base.getMany !== undefined ? await base.getMany(missing) : await Promise.all(missing.map(async r => await base.get(r.level, r.index)))
        let j = 0
        return out.map(h => h ?? read[j++])
      }
    }
    this.rememberFrontier(head)
  }

  /** Keep the frontier's nodes hot (they are the left edge of every new leaf's proof). */
  private rememberFrontier (head: TreeHead): void {
    if (head.size === 0) return
    perfectSubtrees({ start: 0, size: head.size }).forEach((ref, i) => this.hot.set(`${ref.level}/${ref.index}`, head.frontier[i]))
  }

  /**
   * Open the log of `store` (reading the tree head back), record the node key if it is new,
   * install the log as the store's sequencer and, when the log is empty but the store already
   * holds messages, adopt them (one leaf each, stamped now).
   */
  static async open (store: Store, init: AuditLogInit = {}): Promise<AuditLog> {
    const audit = new AuditStore(store.db)
    const size = await audit.size()
    const frontier = await frontierFromStore(audit.nodeStore(), size)
    let at = 0
    if (size > 0) {
      const last = await audit.entry.get(pad(size - 1))
      if (last != null) at = Date.parse(decodeEntry(last).at)
    }
    const log = new AuditLog(store, audit, { size, frontier, at }, await audit.nodeKeys(), init)
    const latest = await audit.checkpoint()
    if (latest !== undefined && log.keys.length > 0) log.latest = openNodeCheckpoint(latest.note, log.keys.map(k => k.peerId))
    if (init.signer != null && log.keys.at(-1)?.peerId !== init.signer.peerId) {
      log.keys = [...log.keys, { peerId: init.signer.peerId, fromSize: size }]
      await store.commit([audit.keysOp(log.keys)])
    }
    if (init.install ?? true) {
      store.commits.sequencer = log
      if (size === 0) await log.adoptExisting()
    }
    return log
  }

  /** Durable tree size. */
  get size (): number {
    return this.durable.size
  }

  /** RFC 9162 root of the durable tree. */
  root (): Uint8Array {
    return new MerkleAppender(this.durable.size, this.durable.frontier).root()
  }

  /** Node keys (peer IDs) that have signed this log's checkpoints, oldest first. */
  nodeKeys (): string[] {
    return this.keys.map(k => k.peerId)
  }

  // ---- CommitSequencer ------------------------------------------------------------------

  seal (events: unknown[]): BatchOp[] {
    if (this.sealed !== undefined) throw new Error('audit log: seal() before the previous batch settled')
    let { size, frontier } = this.durable
    const at = Math.max(this.now(), this.durable.at)
    const ops: BatchOp[] = []
    const requests: CheckpointRequest[] = []
    let capturing: CheckpointRequest | undefined
    if (this.hot.size > HOT_NODES) {
      this.hot = new Map()
      this.rememberFrontier(this.durable)
    }
    for (const event of events) {
      if (event instanceof CheckpointRequest) {
        event.first = size
        requests.push(event)
        capturing = event.capture > 0 ? event : undefined
        continue
      }
      if (!isAuditEvent(event)) throw new TypeError('store.commit events must be audit events (node/audit/events.ts)')
      const bytes = encodeEntry(event, at)
      if (capturing !== undefined) {
        capturing.entries.push(bytes)
        if (capturing.entries.length >= capturing.capture) capturing = undefined
      }
      const next = appendLeaf(size, frontier, leafHash(bytes))
      ops.push(this.audit.entryOp(size, bytes), ...this.audit.nodeOps(next.nodes))
      for (const n of next.nodes) this.hot.set(`${n.level}/${n.index}`, n.hash)
      for (const digest of entryDigests(event as AuditEntry)) ops.push(this.audit.refOp(digest, size))
      if (event.type === 'message.sent' || event.type === 'message.received') ops.push(this.audit.expOp(event.expires, event.digest))
      size = next.size
      frontier = next.frontier
    }
    this.sealed = { size, frontier, at }
    // No new leaf in the whole batch: the latest checkpoint (or `checkpoint()`) covers it.
    if (requests.length > 0 && size > this.durable.size) {
      if (this.signer == null) throw new NodeError('BAD_ARGUMENT', 'the audit log was opened without the node key; it cannot sign checkpoints')
      const root = new MerkleAppender(size, frontier).root()
      const time = Math.max(Math.floor(at / 1000), this.lastTime, this.latest?.time ?? 0)
      const note = issueCheckpoint(this.signer, size, root, time)
      ops.push(this.audit.cpOp(size, note))
      const cp: NodeCheckpoint = {
        checkpoint: { origin: checkpointOrigin(this.signer.peerId), size, root, extensions: [] },
        note,
        time,
        signer: this.signer.peerId,
        otherSignatures: 0
      }
      for (const r of requests) r.checkpoint = cp
      this.sealedCheckpoint = cp
    }
    return ops
  }

  settle (ok: boolean): void {
    if (ok && this.sealed !== undefined) this.durable = this.sealed
    const cp = this.sealedCheckpoint
    if (ok && cp !== undefined) {
      this.lastTime = Math.max(this.lastTime, cp.time)
      if (this.latest === undefined || this.latest.checkpoint.size < cp.checkpoint.size) this.latest = cp
    }
    // A failed batch's nodes may sit at indices the next batch reuses: forget them all.
    if (!ok) {
      this.hot = new Map()
      this.rememberFrontier(this.durable)
    }
    this.sealed = undefined
    this.sealedCheckpoint = undefined
  }

  // ---- checkpoints ----------------------------------------------------------------------

  /**
   * Sign and store a checkpoint of the durable tree, unless the latest one already has this size
   * (then that one is returned: a stored checkpoint is never replaced, witnesses may have
   * cosigned it). Returns undefined for an empty log.
   */
  async checkpoint (): Promise<NodeCheckpoint | undefined> {
    // One at a time: two concurrent calls would sign the same size twice.
    while (this.issuing !== undefined) await this.issuing
    this.issuing = this.issue()
    try {
      return await this.issuing
    } finally {
      this.issuing = undefined
    }
  }

  private async issue (): Promise<NodeCheckpoint | undefined> {
    const { size } = this.durable
    if (size === 0) return undefined
    if (this.latest !== undefined && this.latest.checkpoint.size >= size) return this.latest
    if (this.signer == null) throw new NodeError('BAD_ARGUMENT', 'the audit log was opened without the node key; it cannot sign checkpoints')
    const previous = Math.max(this.latest?.time ?? 0, this.lastTime)
    const time = Math.max(Math.floor(this.now() / 1000), previous)
    this.lastTime = time
    const note = issueCheckpoint(this.signer, size, this.root(), time)
    await this.store.commit([this.audit.cpOp(size, note)])
    const opened = openNodeCheckpoint(note, this.nodeKeys())
    // A receipt's checkpoint (signed at seal time) may have overtaken this one meanwhile.
    if (this.latest === undefined || this.latest.checkpoint.size < size) this.latest = opened
    this.logger?.debug({ size, time }, 'checkpoint issued')
    return this.latest
  }

  /** The latest stored checkpoint (opened), if any. */
  latestCheckpoint (): NodeCheckpoint | undefined {
    return this.latest
  }

  /**
   * Append cosignature lines (e.g. from witnesses, checked by the caller) to the stored
   * checkpoint of `size`; lines already there are skipped. Returns the new note.
   */
  async addCosignatures (size: number, lines: string[]): Promise<string> {
    const stored = await this.audit.checkpoint(size)
    if (stored === undefined) throw new NodeError('NOT_FOUND', `no checkpoint of size ${size}`)
    let note = stored.note
    for (const raw of lines) {
      const line = raw.endsWith('\n') ? raw : raw + '\n'
      if (!line.startsWith('\u2014 ') || line.indexOf('\n') !== line.length - 1) throw new TypeError('a cosignature is one signature line')
      if (!note.includes('\n' + line)) note += line
    }
    if (note !== stored.note) {
      await this.store.commit([this.audit.cpOp(size, note)])
      if (this.latest?.checkpoint.size === size) this.latest = openNodeCheckpoint(note, this.nodeKeys())
    }
    return note
  }

  /** Periodic checkpoints (when the log has grown) every `checkpointIntervalMs`. */
  start (): void {
    if (this.timer !== undefined || this.intervalMs <= 0 || this.signer == null || this.stopped) return
    this.timer = setInterval(() => {
      this.checkpoint().catch((err: unknown) => {
        this.logger?.error({ err }, 'checkpoint failed')
      })
    }, this.intervalMs)
    this.timer.unref()
  }

  /** Stop the timer, wait for in-flight commits, sign a final checkpoint. Idempotent. */
  async stop (): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    if (this.stopped) return
    this.stopped = true
    await this.store.commits.flushed()
    if (this.signer != null) await this.checkpoint()
  }

  // ---- reading --------------------------------------------------------------------------

  async entry (index: number): Promise<Uint8Array | undefined> {
    return await this.audit.entry.get(pad(index))
  }

  async inclusionProof (index: number, size = this.durable.size): Promise<Uint8Array[]> {
    return await inclusionProof(this.nodes, index, size)
  }

  async consistencyProof (size1: number, size2 = this.durable.size): Promise<Uint8Array[]> {
    return await consistencyProof(this.nodes, size1, size2)
  }

  /** Multiproof (protocol/merkle-multiproof.ts) of `leaves` (strictly increasing) in the tree of `size`, from memory where it can. */
  async batchProof (leaves: readonly number[], size: number): Promise<Uint8Array[]> {
    return await multiProof(this.hotNodes, leaves, size)
  }

  /** Consistency proof between two durable sizes, from memory where it can. */
  async hotConsistencyProof (size1: number, size2: number): Promise<Uint8Array[]> {
    return await consistencyProof(this.hotNodes, size1, size2)
  }

  /** The index and bytes of the `message.received` leaf of `digest`, if the log has one. */
  async receivedLeaf (digest: string): Promise<{ index: number, entry: Uint8Array } | undefined> {
    for (const index of await this.audit.leavesOf(digest)) {
      const entry = await this.audit.entry.get(pad(index))
      if (entry != null && index < this.durable.size && Buffer.from(entry.subarray(0, 40)).toString('latin1').startsWith('{"v":1,"type":"message.received"')) {
        return { index, entry }
      }
    }
    return undefined
  }

  /** Inclusion proofs, against the latest checkpoint, of every leaf naming `digest`. */
  async prove (digest: string): Promise<DigestProof> {
    return await proveDigest(this.audit, digest)
  }

  /** Append events directly (no other operations), e.g. from tools; same as store.commit([], events). */
  async append (events: AuditEvent[]): Promise<void> {
    await this.store.commit([], events)
  }

  /**
   * A store that held messages before the log existed: give each stored message and receipt its
   * leaf now, so that the invariant "everything stored has a leaf" holds from here on.
   */
  private async adoptExisting (): Promise<void> {
    const { store } = this
    let events: AuditEvent[] = []
    let adopted = 0
    const flush = async (): Promise<void> => {
      if (events.length === 0) return
      await store.commit([], events)
      adopted += events.length
      events = []
    }
    for await (const meta of store.msg.values()) {
      const envelope = await store.env.get(meta.digest)
      if (envelope == null) continue
      events.push(meta.direction === 'in' ? auditEvents.messageReceived(meta, envelope) : auditEvents.messageSent(meta, envelope))
      if (events.length >= BACKFILL_CHUNK) await flush()
    }
    for await (const [key, receipt] of store.rcpt.iterator()) {
      const [digest, by] = key.split('!')
      try {
        events.push(auditEvents.receiptStored({ for: digest, by, receipt }))
      } catch (err) {
        this.logger?.warn({ err, digest, by }, 'stored receipt cannot be adopted into the audit log')
      }
      if (events.length >= BACKFILL_CHUNK) await flush()
    }
    await flush()
    if (adopted > 0) this.logger?.info({ adopted }, 'audit log adopted messages and receipts stored before it existed')
  }
}
