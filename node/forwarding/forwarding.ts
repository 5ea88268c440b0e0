/**
 * The forwarder's and the originator's side of the third-party rule: forwarding a received
 * message (wrapping the original envelope byte for byte), asking the originator for release,
 * and answering such requests. The recipient's side is node/forwarding/handle-forward.ts.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { signEnvelope, encodeEnvelope, decodeEnvelope } from '../../protocol/envelope.ts'
import { auditEvents } from '../audit/events.ts'
import type { BatchOp, Store, MessageMeta, ReleaseRecord } from '../store/index.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { encodeForward, type ForwardV1 } from '../../protocol/forward.ts'
import { encodeReleaseGrant, encodeReleaseRequest, type ReleaseGrantV1, type ReleaseRequestV1 } from '../../protocol/release.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { PAYLOAD_TYPES, type Signer } from '../../protocol/types.ts'
import { NodeError } from '../errors.ts'
import { decide } from '../policy/index.ts'
import type { PolicyHolder } from '../policy/index.ts'
import { forwardRule } from './rules.ts'
import type { TrustList } from '../trust/index.ts'
import type { Outbox } from '../exchange/outbox.ts'
import { enqueueOutbound } from '../exchange/enqueue.ts'
import type { RecipientOutcome, SendResult } from '../service/liaison-service.ts'
import { forwardRuleFor } from '../taskforce/forwarding.ts'
import { TaskForceRecords } from '../taskforce/records.ts'
import { DEFAULT_RELEASE_GRANT_VALIDITY_MS, RELEASE_REQUEST_TTL_MS } from '../defaults.ts'

export interface ForwardingComponents {
  store: Store
  trust: TrustList
  signer: Signer
  policy: PolicyHolder
  outbox?: Outbox
  now: () => Date
}

export class Forwarding {
  private readonly components: ForwardingComponents

  constructor (components: ForwardingComponents) {
    this.components = components
  }

  /** B forwards a message it received from A to `to` (C…). */
  async forward (ref: string, to: string[], legalBasis?: string): Promise<SendResult> {
    const { meta, bytes } = await this.received(ref)
    const now = this.components.now()
    const rule = forwardRule(meta)
    if (rule === 'never') throw new NodeError('FORWARD_NOT_PERMITTED', `TLP:RED is never forwardable (message ${meta.id})`)
    const outcomes: RecipientOutcome[] = []
    const allowed: Array<{ peerId: string, grant?: Uint8Array }> = []
    const basis = legalBasis ?? meta.legalBasis
    for (const peerId of [...new Set(to)]) {
      let grant: Uint8Array | undefined
      // Between members of a task force in effect here, the task force's rule (PROTOCOL.md §21.6).
      const recipientRule = meta.taskForce != null
        ? await forwardRuleFor(
          new TaskForceRecords(this.components.store.db),
          this.components.signer.peerId,
          meta,
          this.components.signer.peerId,
          peerId,
          now.getTime()
        )
        : rule
      if (recipientRule === 'never') {
        outcomes.push({ peerId, status: 'refused', reason: 'FORWARD_NOT_PERMITTED' })
        continue
      }
      if (recipientRule === 'grant-required') {
        grant = await this.usableGrant(meta.digest, peerId, now.getTime())
        if (grant == null) {
          outcomes.push({ peerId, status: 'refused', reason: 'FORWARD_NOT_PERMITTED' })
          continue
        }
      }
      const verdict = decide(this.components.policy.current, this.components.trust.get(peerId), { ...meta, legalBasis: basis }, 'out', now.getTime())
      if (verdict.decision === 'reject') {
        outcomes.push({ peerId, status: 'refused', reason: verdict.reason })
        continue
      }
      allowed.push({ peerId, ...(grant != null ? { grant } : {}) })
    }
    if (allowed.length === 0) {
      throw new NodeError(
        outcomes.every(o => o.reason === 'FORWARD_NOT_PERMITTED') ? 'FORWARD_NOT_PERMITTED' : 'RECIPIENT_REFUSED',
        `forward refused for every recipient: ${outcomes.map(o => `${o.peerId} (${o.reason})`).join(', ')}${
          rule === 'grant-required'
            ? ` — TLP:${meta.tlp}${
              meta.handling.length > 0 ? ' ' + meta.handling.join(',') : ''
            } needs the originator's release grant (liaison release request)`
            : ''
        }`,
        { details: outcomes }
      )
    }
    // One forward per recipient: each carries the grant that names that recipient.
    let first: SendResult | undefined
    for (const { peerId, grant } of allowed) {
      const fwd: ForwardV1 = {
        v: 1,
        id: uuidV7(now.getTime(), randomBytes(10)),
        from: this.components.signer.peerId,
        to: [peerId],
        created: now.toISOString(),
        expires: meta.expires,
        legalBasis: basis,
        original: bytes,
        ...(grant != null ? { grant } : {})
      }
      const env = signEnvelope(PAYLOAD_TYPES.forward, encodeForward(fwd), this.components.signer)
      const digest = envelopeDigest(env)
      const out: MessageMeta = {
        ...meta,
        digest,
        id: fwd.id,
        payloadType: PAYLOAD_TYPES.forward,
        direction: 'out',
        from: fwd.from,
        to: fwd.to,
        created: fwd.created,
        legalBasis: basis,
        storedAt: now.getTime(),
        original: { digest: meta.digest, id: meta.id, from: meta.from }
      }
      await this.enqueue(out, encodeEnvelope(env), [peerId], [], [
        auditEvents.messageForwarded({
          digest: meta.digest,
          to: [peerId],
          forward: digest,
          grant: grant != null ? envelopeDigest(decodeEnvelope(grant)) : null
        })
      ])
      outcomes.push({ peerId, status: 'queued' })
      first ??= { id: fwd.id, digest, recipients: outcomes }
    }
    return first as SendResult
  }

  /** B asks the originator A to release a message to `recipient`. */
  async requestRelease (ref: string, recipient: string, reason: string): Promise<ReleaseRecord> {
    const { meta } = await this.received(ref)
    if (forwardRule(meta) === 'never') throw new NodeError('FORWARD_NOT_PERMITTED', 'TLP:RED is never forwardable; no release can be requested')
    if (this.components.trust.get(recipient) == null) throw new NodeError('UNKNOWN_PEER', `${recipient} is not on the trust list`)
    const now = this.components.now()
    const req: ReleaseRequestV1 = {
      v: 1,
      id: uuidV7(now.getTime(), randomBytes(10)),
      from: this.components.signer.peerId,
      to: meta.from,
      created: now.toISOString(),
      expires: new Date(now.getTime() + RELEASE_REQUEST_TTL_MS).toISOString(),
      messageDigest: meta.digest,
      messageId: meta.id,
      recipient,
      reason
    }
    const env = signEnvelope(PAYLOAD_TYPES.releaseRequest, encodeReleaseRequest(req), this.components.signer)
    const digest = envelopeDigest(env)
    const record: ReleaseRecord = {
      requestId: req.id,
      direction: 'out',
      status: 'pending',
      messageDigest: meta.digest,
      messageId: meta.id,
      forwarder: this.components.signer.peerId,
      originator: meta.from,
      recipient,
      reason,
      requestDigest: digest,
      updatedAt: now.getTime()
    }
    const control: MessageMeta = {
      ...meta,
      digest,
      id: req.id,
      payloadType: PAYLOAD_TYPES.releaseRequest,
      direction: 'out',
      from: req.from,
      to: [req.to],
      created: req.created,
      expires: req.expires,
      storedAt: now.getTime()
    }
    await this.enqueue(control, encodeEnvelope(env), [meta.from], [this.components.store.releaseOp(record)], [
      auditEvents.releaseRequested({ digest: meta.digest, requester: this.components.signer.peerId, originator: meta.from, request: digest })
    ])
    return record
  }

  /** A answers a pending request: grant (valid for `validMs`) or deny. */
  async answerRelease (requestId: string, decision: 'granted' | 'denied', opts: { validMs?: number, reason?: string } = {}): Promise<ReleaseRecord> {
    const record = await this.components.store.getRelease(requestId)
    if (record == null || record.direction !== 'in') throw new NodeError('NOT_FOUND', `no release request ${requestId} addressed to this node`)
    if (record.status !== 'pending') throw new NodeError('BAD_ARGUMENT', `request ${requestId} was already ${record.status}`)
    const sent = await this.components.store.getMeta(record.messageDigest)
    if (sent == null) throw new NodeError('NOT_FOUND', `message ${record.messageId} is no longer stored`)
    if (decision === 'granted' && forwardRule(sent) === 'never') {
      throw new NodeError('FORWARD_NOT_PERMITTED', 'TLP:RED is never forwardable; the request can only be denied')
    }
    const now = this.components.now()
    const grant: ReleaseGrantV1 = {
      v: 1,
      id: uuidV7(now.getTime(), randomBytes(10)),
      requestId,
      from: this.components.signer.peerId,
      to: record.forwarder,
      created: now.toISOString(),
      expires: new Date(now.getTime() + (opts.validMs ?? DEFAULT_RELEASE_GRANT_VALIDITY_MS)).toISOString(),
      messageDigest: record.messageDigest,
      messageId: record.messageId,
      forwarder: record.forwarder,
      recipient: record.recipient,
      decision,
      ...(opts.reason != null ? { reason: opts.reason } : {})
    }
    const env = signEnvelope(PAYLOAD_TYPES.releaseGrant, encodeReleaseGrant(grant), this.components.signer)
    const digest = envelopeDigest(env)
    const next: ReleaseRecord = { ...record, status: decision, grantDigest: digest, grantExpires: grant.expires, updatedAt: now.getTime() }
    const control: MessageMeta = {
      ...sent,
      digest,
      id: grant.id,
      payloadType: PAYLOAD_TYPES.releaseGrant,
      direction: 'out',
      from: grant.from,
      to: [grant.to],
      created: grant.created,
      expires: grant.expires,
      storedAt: now.getTime()
    }
    const who = { digest: record.messageDigest, requester: record.forwarder, originator: this.components.signer.peerId }
    await this.enqueue(control, encodeEnvelope(env), [record.forwarder], [this.components.store.releaseOp(next)], [
      decision === 'granted' ? auditEvents.releaseGranted({ ...who, grant: digest }) : auditEvents.releaseDenied({ ...who, reason: opts.reason ?? 'denied' })
    ])
    return next
  }

  async releases (): Promise<ReleaseRecord[]> {
    return await this.components.store.listReleases()
  }

  private async received (ref: string): Promise<{ meta: MessageMeta, bytes: Uint8Array }> {
    const digest = await this.components.store.resolveRef(ref)
    const meta = digest == null ? undefined : await this.components.store.getMeta(digest)
    if (digest == null || meta == null) throw new NodeError('NOT_FOUND', `no message ${ref}`)
    if (meta.direction !== 'in' || meta.payloadType != null) {
      throw new NodeError('BAD_ARGUMENT', `${ref} is not a message this node received from its originator`)
    }
    const bytes = await this.components.store.getEnvelope(digest)
    if (bytes == null) throw new NodeError('NOT_FOUND', `the envelope of ${ref} is no longer stored (purged)`)
    return { meta, bytes }
  }

  private async usableGrant (messageDigest: string, recipient: string, nowMs: number): Promise<Uint8Array | undefined> {
    const grantDigest = await this.components.store.grantFor(messageDigest, recipient)
    if (grantDigest == null) return undefined
    const meta = await this.components.store.getMeta(grantDigest)
    if (meta == null || Date.parse(meta.expires) <= nowMs) return undefined
    return await this.components.store.getEnvelope(grantDigest)
  }

  private async enqueue (meta: MessageMeta, bytes: Uint8Array, recipients: string[], extraOps: BatchOp[] = [], events: unknown[] = []): Promise<void> {
    if (this.components.outbox != null) await this.components.outbox.enqueue(meta, bytes, recipients, extraOps, events)
    else await enqueueOutbound(this.components.store, meta, bytes, recipients, this.components.now().getTime(), extraOps, events)
  }
}
