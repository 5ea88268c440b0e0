/**
 * The receive pipeline, one frame at a time, in the order the spec gives:
 * envelope parse → payload type → signature (key of the authenticated remote peer) → the
 * payload type's handler (schema, `from`, freshness, addressing, policy) → replay →
 * durable write (group commit) → signed receipt.
 *
 * It never throws for hostile input: every outcome is a receipt to send, or a reset when no
 * envelope could be parsed.
 *
 * @module
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { decodeEnvelope, pae, verifyEnvelope } from '../../protocol/envelope.ts'
import { paeDigest } from '../../protocol/digest.ts'
import { ProtocolError, type ReasonCode } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES, type Envelope, type Signer } from '../../protocol/types.ts'
import { inlineVerify, signedBy, type AsyncVerifier } from './verify-pool.ts'
import type { Store } from '../store/store.ts'
import type { MessageMeta } from '../store/records.ts'
import type { TrustList } from '../trust-list.ts'
import type { PolicyHolder } from '../policy/policy-holder.ts'
import { signReceipt, signReceiptParsed } from './receipts.ts'
import { auditEvents } from '../audit/events.ts'
import type { Admission, Incoming, PayloadHandler } from './admission.ts'
import { handleMessage } from './handle-message.ts'
import { handleForward } from './handle-forward.ts'
import { handleReleaseGrant, handleReleaseRequest } from './handle-release.ts'
import { handleFeedback } from './handle-feedback.ts'
import { handleKeyRotation } from './handle-key-rotation.ts'
import { handleAddressUpdate } from './handle-address-update.ts'
import { handleRotationApproval } from './handle-rotation-approval.ts'
import { handleTaskForceNotice } from '../taskforce/handle-notice.ts'
import { withTaskForceCheck } from '../taskforce/admit-message.ts'

export type ReceiveOutcome =
  | { kind: 'receipt', receipt: Uint8Array, status: 'accepted' | 'rejected', reason?: ReasonCode, digest: string, duplicate?: boolean }
  | { kind: 'reset', reason: ReasonCode }

export interface ReceiverComponents {
  store: Store
  trust: TrustList
  signer: Signer
  logger: Logger
  policy: PolicyHolder
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
  private readonly c: ReceiverComponents
  private readonly now: () => Date
  private readonly verify: AsyncVerifier
  private readonly selfIds: ReadonlySet<string>
  /** from!id → digest of envelopes between replay check and durable write. */
  private readonly inflight = new Map<string, { digest: string, done: Promise<ReceiveOutcome> }>()

  constructor (components: ReceiverComponents) {
    super()
    this.c = components
    this.now = components.now ?? (() => new Date())
    this.verify = components.verify ?? inlineVerify
    this.selfIds = new Set([components.signer.peerId, ...(components.formerIds ?? [])])
  }

  async receive (frame: Uint8Array, remote: string): Promise<ReceiveOutcome> {
    let env: Envelope
    try {
      env = decodeEnvelope(frame)
    } catch (err) {
      const reason = err instanceof ProtocolError ? err.code : 'BAD_ENVELOPE'
      await this.recordRejection({ from: remote, reason })
      return { kind: 'reset', reason }
    }
    const paeBytes = pae(env.payloadType, env.payload)
    const digest = paeDigest(paeBytes)
    const reject = async (reason: ReasonCode, messageId: string | null = null, detail?: string): Promise<ReceiveOutcome> => {
      await this.recordRejection({ from: remote, reason, digest, messageId, ...(detail != null ? { detail } : {}) })
      return { kind: 'receipt', status: 'rejected', reason, digest, receipt: signReceipt(this.c.signer, { digest, messageId, status: 'rejected', reason }, this.now()) }
    }

    const handler = HANDLERS[env.payloadType]
    if (handler == null) return await reject('BAD_PAYLOAD_TYPE', null, env.payloadType)
    const key = this.c.trust.key(remote)
    if (key == null) return await reject('UNKNOWN_SIGNER')
    let signedAs = remote
    if (!(await signedBy(this.verify, key, paeBytes, env.signatures))) {
      const retired = await this.signedByRetiredKey(remote, paeBytes, env)
      if (retired == null) return await reject(this.signedByAnotherPeer(env, remote) ? 'SIGNER_MISMATCH' : 'BAD_SIGNATURE')
      signedAs = retired
    }

    // An envelope we already stored gets our original receipt again, whatever changed since
    // (expiry, policy): the sender may be retrying after a crash.
    const stored = await this.c.store.ownReceipt(digest, this.c.signer.peerId)
    if (stored != null) return { kind: 'receipt', status: 'accepted', digest, receipt: stored, duplicate: true }

    const now = this.now()
    const incoming: Incoming = { env, digest, remote, signedAs, nowMs: now.getTime(), policy: this.c.policy.current, self: this.c.signer, selfIds: this.selfIds, trust: this.c.trust, store: this.c.store }
    const admission = await handler(incoming)
    if (!admission.ok) return await reject(admission.reason, admission.messageId, admission.detail)
    const { meta } = admission

    // Replay and idempotence: the same digest gets the original receipt again.
    const idKey = meta.from + '!' + meta.id
    const racing = this.inflight.get(idKey)
    if (racing != null) {
      if (racing.digest !== digest) return await reject('REPLAY', meta.id)
      const outcome = await racing.done
      return outcome.kind === 'receipt' && outcome.status === 'accepted' ? { ...outcome, duplicate: true } : outcome
    }
    const known = await this.c.store.digestOf(meta.from, meta.id)
    if (known != null && known !== digest) return await reject('REPLAY', meta.id)

    const done = this.store(admission, frame, now, reject)
    this.inflight.set(idKey, { digest, done })
    try {
      return await done
    } finally {
      this.inflight.delete(idKey)
    }
  }

  private async store (admission: Extract<Admission, { ok: true }>, frame: Uint8Array, now: Date, reject: (r: ReasonCode, id: string | null) => Promise<ReceiveOutcome>): Promise<ReceiveOutcome> {
    const { meta } = admission
    const { bytes: receipt, receipt: parsed } = signReceiptParsed(this.c.signer, { digest: meta.digest, messageId: meta.id, status: 'accepted' }, now)
    const { store } = this.c
    // The frame is kept byte for byte: it is the envelope as received.
    const envelope = frame.slice()
    try {
      await store.commit(
        [...store.messageOps(meta, envelope), ...admission.ops, store.receiptOp(meta.digest, this.c.signer.peerId, receipt)],
        [
          ...(admission.preface ?? []),
          auditEvents.messageReceived(meta, envelope),
          ...auditEvents.repliesOf(meta),
          auditEvents.receiptStored({ for: meta.digest, by: this.c.signer.peerId, receipt, parsed }),
          ...admission.events
        ]
      )
    } catch (err) {
      this.c.logger.error({ err, digest: meta.digest }, 'durable write failed; envelope refused')
      return await reject('STORAGE_FULL', meta.id)
    }
    this.emit('accepted', meta)
    return { kind: 'receipt', status: 'accepted', digest: meta.digest, receipt }
  }

  /** A stream reset for a reason found below the envelope (framing, timeouts): audit it too. */
  async refuseFrame (remote: string, reason: ReasonCode, detail?: string): Promise<void> {
    await this.recordRejection({ from: remote, reason, ...(detail != null ? { detail } : {}) })
  }

  private async recordRejection (info: RejectionInfo): Promise<void> {
    this.emit('rejected', info)
    this.c.logger.info({ peer: info.from, digest: info.digest, reason: info.reason, detail: info.detail }, 'envelope rejected')
    try {
      await this.c.store.commit([], [auditEvents.messageRejected(info)])
    } catch (err) {
      this.c.logger.error({ err, reason: info.reason }, 'could not audit a rejection')
    }
  }

  /**
   * The retired key of the remote peer that signed the envelope, if any: a key its trust record
   * retired by a rotation less than `rotationGraceMs` ago. What the peer queued under its old key
   * before it switched arrives over its new key's connection (PROTOCOL.md §14).
   */
  private async signedByRetiredKey (remote: string, paeBytes: Uint8Array, env: Envelope): Promise<string | undefined> {
    const record = this.c.trust.get(remote)
    if (record == null) return undefined
    const nowMs = this.now().getTime()
    for (const k of record.keyHistory) {
      if (k.peerId === remote || k.validUntil == null || k.revokedAt != null || nowMs - Date.parse(k.validUntil) > this.c.policy.current.rotationGraceMs) continue
      const key = this.c.trust.key(k.peerId)
      if (key != null && await signedBy(this.verify, key, paeBytes, env.signatures)) return k.peerId
    }
    return undefined
  }

  /** Whether a signature verifies under the key of some other trusted peer (hinted by keyid). */
  private signedByAnotherPeer (env: Envelope, remote: string): boolean {
    for (const sig of env.signatures) {
      if (sig.keyid === remote) continue
      const other = this.c.trust.key(sig.keyid)
      if (other != null && verifyEnvelope({ ...env, signatures: [sig] }, other)) return true
    }
    return false
  }
}
