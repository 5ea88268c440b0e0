/**
 * The receive pipeline, one frame at a time, in the order the spec gives:
 * envelope parse → signature (key of the authenticated remote peer) → schema → `from` →
 * freshness → addressing → replay → policy → durable write (group commit) → signed receipt.
 *
 * It never throws for hostile input: every outcome is a receipt to send, or a reset when no
 * envelope could be parsed.
 *
 * @module
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { decodeEnvelope, pae, verifyEnvelope } from '../../protocol/envelope.ts'
import { opensslVerify } from '../../protocol/ed25519.ts'
import { paeDigest } from '../../protocol/digest.ts'
import { parseMessage } from '../../protocol/message.ts'
import { ProtocolError, type ReasonCode } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES, type Envelope, type MessageV1, type Signer } from '../../protocol/types.ts'
import type { Store } from '../store/store.ts'
import type { MessageMeta } from '../store/records.ts'
import { metaOf } from '../service.ts'
import type { TrustList } from '../trust-list.ts'
import { signReceipt } from './receipts.ts'
import { decide } from '../policy/decide.ts'
import type { PolicyHolder } from '../policy/policy-holder.ts'

export type ReceiveOutcome =
  | { kind: 'receipt', receipt: Uint8Array, status: 'accepted' | 'rejected', reason?: ReasonCode, digest: string, duplicate?: boolean }
  | { kind: 'reset', reason: ReasonCode }

export interface ReceiverComponents {
  store: Store
  trust: TrustList
  signer: Signer
  logger: Logger
  policy: PolicyHolder
  now?: () => Date
}

export interface ReceiverEvents {
  accepted: [meta: MessageMeta]
  rejected: [info: { from: string, reason: ReasonCode, digest?: string, messageId?: string | null }]
}

export class Receiver extends EventEmitter<ReceiverEvents> {
  private readonly c: ReceiverComponents
  private readonly now: () => Date
  /** from!id → digest of messages between replay check and durable write. */
  private readonly inflight = new Map<string, { digest: string, done: Promise<ReceiveOutcome> }>()

  constructor (components: ReceiverComponents) {
    super()
    this.c = components
    this.now = components.now ?? (() => new Date())
  }

  async receive (frame: Uint8Array, remote: string): Promise<ReceiveOutcome> {
    let env: Envelope
    try {
      env = decodeEnvelope(frame)
    } catch (err) {
      const reason = err instanceof ProtocolError ? err.code : 'BAD_ENVELOPE'
      this.emit('rejected', { from: remote, reason })
      return { kind: 'reset', reason }
    }
    const paeBytes = pae(env.payloadType, env.payload)
    const digest = paeDigest(paeBytes)
    const reject = (reason: ReasonCode, messageId: string | null = null): ReceiveOutcome => {
      this.emit('rejected', { from: remote, reason, digest, messageId })
      this.c.logger.info({ peer: remote, digest, reason }, 'message rejected')
      return { kind: 'receipt', status: 'rejected', reason, digest, receipt: signReceipt(this.c.signer, { digest, messageId, status: 'rejected', reason }, this.now()) }
    }

    if (env.payloadType !== PAYLOAD_TYPES.message) return reject('BAD_PAYLOAD_TYPE')
    const key = this.c.trust.key(remote)
    if (key == null) return reject('UNKNOWN_SIGNER')
    if (!env.signatures.some(s => opensslVerify(key, paeBytes, s.sig))) return reject(this.signedByAnotherPeer(env, remote) ? 'SIGNER_MISMATCH' : 'BAD_SIGNATURE')

    const policy = this.c.policy.current
    let msg: MessageV1
    try {
      msg = parseMessage(env.payload, { maxBytes: policy.maxMessageBytes })
    } catch (err) {
      return reject(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID')
    }
    if (msg.from !== remote) return reject('SIGNER_MISMATCH', msg.id)

    const now = this.now()
    const nowMs = now.getTime()
    if (Date.parse(msg.created) > nowMs + policy.clockSkewMs) return reject('CLOCK_SKEW', msg.id)
    if (Date.parse(msg.expires) <= nowMs) return reject('EXPIRED', msg.id)
    if (!msg.to.includes(this.c.signer.peerId)) return reject('NOT_ADDRESSED', msg.id)

    // Replay / idempotence: the same digest gets the original receipt again.
    const idKey = msg.from + '!' + msg.id
    const racing = this.inflight.get(idKey)
    if (racing != null) {
      if (racing.digest !== digest) return reject('REPLAY', msg.id)
      const outcome = await racing.done
      return outcome.kind === 'receipt' && outcome.status === 'accepted' ? { ...outcome, duplicate: true } : outcome
    }
    const known = await this.c.store.digestOf(msg.from, msg.id)
    if (known != null) {
      if (known !== digest) return reject('REPLAY', msg.id)
      const original = await this.c.store.getReceipt(digest, this.c.signer.peerId)
      if (original != null) return { kind: 'receipt', status: 'accepted', digest, receipt: original, duplicate: true }
    }

    const verdict = decide(policy, this.c.trust.get(remote), msg, 'in', nowMs)
    if (verdict.decision === 'reject') return reject(verdict.reason, msg.id)

    const done = this.store(msg, env, frame, digest, now, reject)
    this.inflight.set(idKey, { digest, done })
    try {
      return await done
    } finally {
      this.inflight.delete(idKey)
    }
  }

  private async store (msg: MessageV1, _env: Envelope, frame: Uint8Array, digest: string, now: Date, reject: (r: ReasonCode, id: string | null) => ReceiveOutcome): Promise<ReceiveOutcome> {
    const meta = metaOf(msg, digest, 'in', now.getTime())
    const receipt = signReceipt(this.c.signer, { digest, messageId: msg.id, status: 'accepted' }, now)
    const { store } = this.c
    try {
      // The frame is kept byte for byte: it is the envelope as received.
      await store.commit([...store.messageOps(meta, frame.slice()), store.receiptOp(digest, this.c.signer.peerId, receipt)])
    } catch (err) {
      this.c.logger.error({ err, digest }, 'durable write failed; message refused')
      return reject('STORAGE_FULL', msg.id)
    }
    this.emit('accepted', meta)
    return { kind: 'receipt', status: 'accepted', digest, receipt }
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
