/**
 * The receive pipeline for exchange v2 (PROTOCOL.md §13, §22): one batch frame at a time. Every
 * envelope of the batch goes through the steps the spec gives — envelope parse → payload type →
 * signature (key of the authenticated remote peer) → duplicate → the payload type's handler
 * (schema, `from`, freshness, addressing, policy) → replay — concurrently (signatures on the
 * verify pool); then the whole batch is written in ONE durable write (group commit): the
 * accepted envelopes byte for byte with their index records, and one audit leaf per envelope —
 * `message.received` for an accepted one, `message.rejected` with its reason for a refused one —
 * together with a checkpoint the log signs over them (CheckpointRequest). The answer is one batch
 * receipt: that checkpoint, each envelope's leaf and entry, a multiproof of those leaves, and a
 * consistency proof from the checkpoint the sender last held.
 *
 * It never throws for hostile input: one bad envelope is one rejected result, the others are
 * unaffected; only a batch whose framing is broken is a reset.
 *
 * @module
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { decodeEnvelope, pae, verifyEnvelope } from '../../protocol/envelope.ts'
import { paeDigest } from '../../protocol/digest.ts'
import { ProtocolError, type ReasonCode } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES, type Envelope, type Signer } from '../../protocol/types.ts'
import { decodeBatch, encodeBatchReceipt, type BatchResult } from '../../protocol/batch.ts'
import { inlineVerify, signedBy, type AsyncVerifier } from './verify-pool.ts'
import type { Store, MessageMeta, BatchOp } from '../store/index.ts'
import type { TrustList } from '../trust/trust-list.ts'
import type { PolicyHolder } from '../policy/index.ts'
import { auditEvents } from '../audit/events.ts'
import { CheckpointRequest, type AuditLog } from '../audit/audit-log.ts'
import type { Admission, Incoming, PayloadHandler } from './admission.ts'
import { handleMessage } from './handle-message.ts'
import { handleForward } from '../forwarding/index.ts'
import { handleReleaseGrant, handleReleaseRequest } from './handle-release.ts'
import { handleFeedback } from './handle-feedback.ts'
import { handleKeyRotation } from './handle-key-rotation.ts'
import { handleAddressUpdate } from './handle-address-update.ts'
import { handleRotationApproval } from './handle-rotation-approval.ts'
import { handleTaskForceNotice } from '../taskforce/handle-notice.ts'
import { withTaskForceCheck } from '../taskforce/admit-message.ts'

/** What became of one envelope of a batch. */
export interface EnvelopeResult {
  status: 'accepted' | 'rejected'
  reason?: ReasonCode
  /** null: the envelope could not be parsed. */
  digest: string | null
  /** Accepted earlier (or earlier in this batch): nothing new stored. */
  duplicate?: boolean
}

export type ReceiveOutcome =
  | { kind: 'receipt', receipt: Uint8Array, results: EnvelopeResult[] }
  | { kind: 'reset', reason: ReasonCode }

export interface ReceiverComponents {
  store: Store
  trust: TrustList
  signer: Signer
  logger: Logger
  policy: PolicyHolder
  /** The node's audit log: every answer is a proof in it. */
  audit: AuditLog
  /** Former identities of this node (key rotation); the current one is always included. */
  formerIds?: readonly string[]
  /** Signature verification, e.g. a VerifyPool's (default: fastVerify on this thread). */
  verify?: AsyncVerifier
  now?: () => Date
}

export interface RejectionInfo {
  from: string
  reason: ReasonCode
  digest?: string
  messageId?: string | null
  detail?: string
}

export interface ReceiverEvents {
  accepted: [meta: MessageMeta]
  rejected: [info: RejectionInfo]
}

const HANDLERS: Readonly<Record<string, PayloadHandler>> = {
  [PAYLOAD_TYPES.message]: withTaskForceCheck(handleMessage),
  [PAYLOAD_TYPES.forward]: handleForward,
  [PAYLOAD_TYPES.releaseRequest]: handleReleaseRequest,
  [PAYLOAD_TYPES.releaseGrant]: handleReleaseGrant,
  [PAYLOAD_TYPES.keyRotation]: handleKeyRotation,
  [PAYLOAD_TYPES.addressUpdate]: handleAddressUpdate,
  [PAYLOAD_TYPES.feedback]: handleFeedback,
  [PAYLOAD_TYPES.rotationApproval]: handleRotationApproval,
  [PAYLOAD_TYPES.taskforceNotice]: handleTaskForceNotice
}

export class Receiver extends EventEmitter<ReceiverEvents> {
  private readonly components: ReceiverComponents
  private readonly now: () => Date
  private readonly verify: AsyncVerifier
  private readonly selfIds: ReadonlySet<string>
  /** from!id → digest of envelopes between replay check and durable write, and the leaf they got. */
  private readonly inflight = new Map<string, { digest: string, done: Promise<number | undefined> }>()

  constructor (components: ReceiverComponents) {
    super()
    this.components = components
    this.now = components.now ?? (() => new Date())
    this.verify = components.verify ?? inlineVerify
    this.selfIds = new Set([components.signer.peerId, ...(components.formerIds ?? [])])
  }

  /** Answer one batch frame body from `remote` (see the module header). */
  async receiveBatch (body: Uint8Array, remote: string): Promise<ReceiveOutcome> {
    let since: number
    let envelopes: Uint8Array[]
    try {
      ;({ since, envelopes } = decodeBatch(body))
    } catch (err) {
      const reason = err instanceof ProtocolError ? err.code : 'BAD_FRAME'
      await this.recordRejections([{ from: remote, reason }])
      return { kind: 'reset', reason }
    }
    const now = this.now()
    const decisions = await Promise.all(envelopes.map(async (frame) => await this.check(frame, remote, now)))
    const settle: Array<{ i: number, done: (leaf: number | undefined) => void }> = []
    const local = new Map<string, { digest: string, i: number }>()
    const sameAs = new Map<number, number>()
    for (let i = 0; i < decisions.length; i++) {
      const d = decisions[i]
      if (d.kind !== 'accept') continue
      const { meta } = d.admission
      const idKey = meta.from + '!' + meta.id
      const mine = local.get(idKey)
      if (mine != null) {
        if (mine.digest === d.digest) sameAs.set(i, mine.i)
        else decisions[i] = rejection('REPLAY', d.digest, meta.id)
        continue
      }
      const racing = this.inflight.get(idKey)
      if (racing != null) {
        const leaf = await racing.done
        decisions[i] = racing.digest === d.digest && leaf !== undefined ? { kind: 'duplicate', digest: d.digest, leaf } : rejection('REPLAY', d.digest, meta.id)
        continue
      }
      let resolve!: (leaf: number | undefined) => void
      const done = new Promise<number | undefined>(r => {
        resolve = r
      })
      this.inflight.set(idKey, { digest: d.digest, done })
      settle.push({
        i,
        done: (leaf) => {
          this.inflight.delete(idKey)
          resolve(leaf)
        }
      })
      local.set(idKey, { digest: d.digest, i })
      const known = await this.components.store.digestOf(meta.from, meta.id)
      if (known != null && known !== d.digest) decisions[i] = rejection('REPLAY', d.digest, meta.id)
    }
    const leaves: Array<number | undefined> = new Array(decisions.length)
    try {
      return await this.commit(decisions, sameAs, since, remote, leaves)
    } finally {
      for (const { i, done } of settle) done(decisions[i].kind === 'accept' ? leaves[i] : undefined)
    }
  }

  /** Steps 2–10 for one envelope of a batch. */
  private async check (frame: Uint8Array, remote: string, now: Date): Promise<Decision> {
    let env: Envelope
    try {
      env = decodeEnvelope(frame)
    } catch (err) {
      return rejection(err instanceof ProtocolError ? err.code : 'BAD_ENVELOPE', null, null)
    }
    const paeBytes = pae(env.payloadType, env.payload)
    const digest = paeDigest(paeBytes)
    const handler = HANDLERS[env.payloadType]
    if (handler == null) return rejection('BAD_PAYLOAD_TYPE', digest, null, env.payloadType)
    const key = this.components.trust.key(remote)
    if (key == null) return rejection('UNKNOWN_SIGNER', digest, null)
    let signedAs = remote
    if (!(await signedBy(this.verify, key, paeBytes, env.signatures))) {
      const retired = await this.signedByRetiredKey(remote, paeBytes, env)
      if (retired == null) return rejection(this.signedByAnotherPeer(env, remote) ? 'SIGNER_MISMATCH' : 'BAD_SIGNATURE', digest, null)
      signedAs = retired
    }
    // An envelope we already stored gets its original leaf again, whatever changed since
    // (expiry, policy): the sender may be retrying after a crash.
    if (this.components.store.mayHaveDigest(digest)) {
      const original = await this.components.audit.receivedLeaf(digest)
      if (original != null) return { kind: 'duplicate', digest, leaf: original.index, entry: original.entry }
    }
    const incoming: Incoming = {
      env,
      digest,
      remote,
      signedAs,
      nowMs: now.getTime(),
      policy: this.components.policy.current,
      self: this.components.signer,
      selfIds: this.selfIds,
      trust: this.components.trust,
      store: this.components.store
    }
    const admission = await handler(incoming)
    if (!admission.ok) return rejection(admission.reason, digest, admission.messageId, admission.detail)
    return { kind: 'accept', digest, admission, frame }
  }

  /**
   * The batch's one durable write and its receipt. `leaves[i]` is set to the leaf of each
   * accepted envelope once it is durable (for racing batches waiting on it).
   */
  private async commit (
    decisions: Decision[],
    sameAs: ReadonlyMap<number, number>,
    since: number,
    remote: string,
    leaves: Array<number | undefined>
  ): Promise<ReceiveOutcome> {
    const { store, audit } = this.components
    const fresh = decisions.map((d, i) => d.kind !== 'duplicate' && !sameAs.has(i))
    // What admissions tell about their messages (a task force): logged before the checkpoint
    // request, so its captured entries stay exactly the primaries, and before the messages, so the
    // report reads them first (node/exchange/admission.ts).
    const prefaces: unknown[] = []
    const primaries: unknown[] = []
    const extras: unknown[] = []
    const ops: BatchOp[] = []
    const rejected: RejectionInfo[] = []
    for (const [i, d] of decisions.entries()) {
      if (!fresh[i]) continue
      if (d.kind === 'reject') {
        const info: RejectionInfo = {
          from: remote,
          reason: d.reason,
          digest: d.digest ?? undefined,
          messageId: d.messageId,
          ...(d.detail != null ? { detail: d.detail } : {})
        }
        rejected.push(info)
        primaries.push(auditEvents.messageRejected(info))
      } else if (d.kind === 'accept') {
        const { meta } = d.admission
        // The envelope is kept byte for byte, as received.
        const envelope = d.frame.slice()
        ops.push(...store.messageOps(meta, envelope), ...d.admission.ops)
        prefaces.push(...(d.admission.preface ?? []))
        primaries.push(auditEvents.messageReceived(meta, envelope))
        extras.push(...auditEvents.repliesOf(meta), ...d.admission.events)
      }
    }
    let request = new CheckpointRequest(primaries.length)
    try {
      await store.commit(ops, [...prefaces, request, ...primaries, ...extras])
    } catch (err) {
      this.components.logger.error({ err }, "durable write failed; the batch's envelopes are refused")
      // Nothing of the batch was written: refuse what would have been accepted, transiently.
      for (const [i, d] of decisions.entries()) {
        if (d.kind === 'accept' && fresh[i]) decisions[i] = rejection('STORAGE_FULL', d.digest, d.admission.meta.id)
      }
      const events: unknown[] = []
      rejected.length = 0
      for (const [i, d] of decisions.entries()) {
        if (!fresh[i] || d.kind !== 'reject') continue
        const info: RejectionInfo = { from: remote, reason: d.reason, digest: d.digest ?? undefined, messageId: d.messageId }
        rejected.push(info)
        events.push(auditEvents.messageRejected(info))
      }
      request = new CheckpointRequest(events.length)
      try {
        await store.commit([], [request, ...events])
      } catch (again) {
        this.components.logger.error({ err: again }, 'could not even log the refusals; resetting the stream')
        return { kind: 'reset', reason: 'STORAGE_FULL' }
      }
    }
    for (const info of rejected) this.rejected(info)
    // Where each envelope's leaf is, and its entry.
    const results: BatchResult[] = new Array(decisions.length)
    let next = 0
    for (const [i, d] of decisions.entries()) {
      if (!fresh[i]) continue
      results[i] = { leaf: request.first + next, entry: utf8.decode(request.entries[next]) }
      next++
      if (d.kind === 'accept') leaves[i] = results[i].leaf
    }
    for (const [i, d] of decisions.entries()) {
      if (d.kind === 'duplicate') results[i] = { leaf: d.leaf, entry: d.entry != null ? utf8.decode(d.entry) : await this.entryText(d.leaf) }
    }
    for (const [i, j] of sameAs) results[i] = results[j]
    const checkpoint = request.checkpoint ?? await audit.checkpoint()
    if (checkpoint === undefined) throw new Error('audit log has no checkpoint after a write')
    const size = checkpoint.checkpoint.size
    const unique = [...new Set(results.map(r => r.leaf))].sort((a, b) => a - b)
    const proof = await audit.batchProof(unique, size)
    const consistency = since === 0 || since > size ? null : since === size ? [] : await audit.hotConsistencyProof(since, size)
    for (const [i, d] of decisions.entries()) if (d.kind === 'accept' && fresh[i]) this.emit('accepted', d.admission.meta)
    return {
      kind: 'receipt',
      receipt: encodeBatchReceipt({ v: 2, checkpoint: checkpoint.note, results, proof, consistency }),
      results: decisions.map((d, i) => resultOf(d, sameAs.has(i)))
    }
  }

  private async entryText (leaf: number): Promise<string> {
    const bytes = await this.components.audit.entry(leaf)
    if (bytes == null) throw new Error(`audit entry ${leaf} is missing`)
    return utf8.decode(bytes)
  }

  /** A stream reset for a reason found below the envelope (framing, timeouts): audit it too. */
  async refuseFrame (remote: string, reason: ReasonCode, detail?: string): Promise<void> {
    await this.recordRejections([{ from: remote, reason, ...(detail != null ? { detail } : {}) }])
  }

  private rejected (info: RejectionInfo): void {
    this.emit('rejected', info)
    this.components.logger.info({ peer: info.from, digest: info.digest, reason: info.reason, detail: info.detail }, 'envelope rejected')
  }

  /** Rejections without a receipt (stream resets): logged in their own write. */
  private async recordRejections (infos: RejectionInfo[]): Promise<void> {
    for (const info of infos) this.rejected(info)
    try {
      await this.components.store.commit([], infos.map(info => auditEvents.messageRejected(info)))
    } catch (err) {
      this.components.logger.error({ err }, 'could not audit a rejection')
    }
  }

  /**
   * The retired key of the remote peer that signed the envelope, if any: a key its trust record
   * retired by a rotation less than `rotationGraceMs` ago. What the peer queued under its old key
   * before it switched arrives over its new key's connection (PROTOCOL.md §14).
   */
  private async signedByRetiredKey (remote: string, paeBytes: Uint8Array, env: Envelope): Promise<string | undefined> {
    const record = this.components.trust.get(remote)
    if (record == null) return undefined
    const nowMs = this.now().getTime()
    for (const k of record.keyHistory) {
      if (
        k.peerId === remote || k.validUntil == null || k.revokedAt != null || nowMs - Date.parse(k.validUntil) > this.components.policy.current.rotationGraceMs
      ) {
        continue
      }
      const key = this.components.trust.key(k.peerId)
      if (key != null && await signedBy(this.verify, key, paeBytes, env.signatures)) return k.peerId
    }
    return undefined
  }

  /** Whether a signature verifies under the key of some other trusted peer (hinted by keyid). */
  private signedByAnotherPeer (env: Envelope, remote: string): boolean {
    for (const sig of env.signatures) {
      if (sig.keyid === remote) continue
      const other = this.components.trust.key(sig.keyid)
      if (other != null && verifyEnvelope({ ...env, signatures: [sig] }, other)) return true
    }
    return false
  }
}

type Decision =
  | { kind: 'reject', reason: ReasonCode, digest: string | null, messageId: string | null, detail?: string }
  | { kind: 'duplicate', digest: string, leaf: number, entry?: Uint8Array }
  | { kind: 'accept', digest: string, admission: Extract<Admission, { ok: true }>, frame: Uint8Array }

const utf8 = new TextDecoder()

function rejection (reason: ReasonCode, digest: string | null, messageId: string | null, detail?: string): Decision {
  return { kind: 'reject', reason, digest, messageId, ...(detail != null ? { detail } : {}) }
}

function resultOf (d: Decision, same: boolean): EnvelopeResult {
  if (d.kind === 'reject') return { status: 'rejected', reason: d.reason, digest: d.digest }
  return { status: 'accepted', digest: d.digest, ...(d.kind === 'duplicate' || same ? { duplicate: true } : {}) }
}
