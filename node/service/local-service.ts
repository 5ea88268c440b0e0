/**
 * LocalService: the LiaisonService (liaison-service.ts) answered from this node's own store,
 * trust list and outbox — by the running node behind its local API, and by the CLI on a
 * stopped node's data directory.
 *
 * @module
 */
import { signEnvelope, encodeEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { encodeMessage, validateMessage } from '../../protocol/message.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES, type MessageV1, type Signer } from '../../protocol/types.ts'
import { DEFAULT_MESSAGE_TTL_MS, DEFAULT_WAIT_TIMEOUT_MS } from '../defaults.ts'
import { NodeError } from '../errors.ts'
import type { Store, InboxQuery, DeliveryRecord, MessageMeta, OwnRotation, PeerRecord, ReleaseRecord } from '../store/index.ts'
import {
  applyRevocation,
  type RevocationOutcome,
  announceRotation,
  applyPeerRotation,
  rotationAnswered,
  rotationPeerStates,
  type BeforeRotationApplied,
  type TrustList,
  type PeerInput,
  exportCard,
  openCard,
  inspectCard,
  setPeerStatus,
  type CardExport,
  type CardInspection
} from '../trust/index.ts'
import { courierOf } from '../courier/kit.ts'
import { dataDirPaths } from '../config/index.ts'
import { Forwarding } from '../forwarding/index.ts'
import { sendFeedback, type FeedbackResult } from '../feedback/index.ts'
import { auditEvents } from '../audit/events.ts'
import type { Witness, WitnessOutcome } from '../witness/index.ts'
import { WitnessStore, type WitnessAlert, type WitnessedCheckpoint } from '../witness/index.ts'
import type { Outbox, DialFailure } from '../exchange/index.ts'
import { enqueueOutbound, idRandom } from '../exchange/index.ts'
import { metaOf } from '../store/index.ts'
import { decide, type Decision, type PolicySubject } from '../policy/index.ts'
import type { PolicyHolder, NodePolicy, PeerFields } from '../policy/index.ts'
import type { AuditLog } from '../audit/audit-log.ts'
import type { OprfRotation, OprfRotationReason } from '../query/rotation.ts'
import { reportOf, verifyReportOf, type ReportRequest } from '../report/serve-report.ts'
import type { ReportVerdict } from '../report/verify-report.ts'
import { addressTaskForce, taskForceSendEvents, TaskForceRecords, type Addressing } from '../taskforce/index.ts'
import type {
  AddPeerResult,
  Health,
  KeyStatus,
  LiaisonService,
  MessageView,
  PeerStatusChange,
  PolicyCheckInput,
  RecipientOutcome,
  SendAlongside,
  SendInput,
  SendResult
} from './liaison-service.ts'

/** The audit action of a peer added from a card whose fingerprint was not compared (`--no-fingerprint-check`). */
export const UNCHECKED_CARD_ACTION = 'peer.added.fingerprint-unchecked'

export interface LocalServiceComponents {
  /** The data directory (key rotation writes the next key there). */
  dir: string
  store: Store
  trust: TrustList
  signer: Signer
  name: string
  jurisdiction?: string
  policy: PolicyHolder
  /** The node's listen addresses (for its trust card). */
  addresses: () => string[]
  /** Present when the node runs; absent when the CLI works on a stopped node's store. */
  outbox?: Outbox
  connectedPeers?: () => string[]
  /** Witnessing (running node only). */
  witness?: Witness
  /** The audit log (running node only): reports issue a checkpoint first. */
  audit?: AuditLog
  /** Running node only: sends a peer the approval notice of its rotation before it is applied. */
  beforeRotationApplied?: BeforeRotationApplied
  /** The OPRF public key for the trust card (hit/no-hit queries, PROTOCOL.md §19.2). */
  oprfKey?: () => Promise<{ publicKey: string, keyId: string }>
  /** Rotates the OPRF key and re-keys the query index (PROTOCOL.md §19.2); called after an identity rotation. */
  rotateOprfKey?: (reason: OprfRotationReason) => Promise<OprfRotation>
  now?: () => Date
}

/** "cannot be reached at ADDR, ADDR: ERROR (last attempt …)" */
export function describeDialFailure (f: DialFailure): string {
  if (f.addresses.length === 0) return `cannot be reached: ${f.error}; add one with \`liaison peers update PEER --address MULTIADDR\``
  return `cannot be reached at ${f.addresses.join(', ')}: ${f.error} (last attempt ${new Date(f.at).toISOString()})`
}

const FINAL = new Set(['delivered', 'rejected', 'expired', 'cancelled'])

export class LocalService implements LiaisonService {
  private readonly components: LocalServiceComponents
  private readonly now: () => Date
  private readonly forwarding: Forwarding
  /** Set while the node shuts down: health says not-ready. */
  stopping = false

  constructor (components: LocalServiceComponents) {
    this.components = components
    this.now = components.now ?? (() => new Date())
    this.forwarding = new Forwarding({ ...components, now: this.now })
  }

  async rotateKey (): Promise<OwnRotation> {
    const rotation = await announceRotation({ ...this.components, now: this.now })
    // A new identity starts a new OPRF key too (PROTOCOL.md §19.2): the new card names both.
    await this.components.rotateOprfKey?.('identity rotation')
    return rotation
  }

  /**
   * Rotates the OPRF key and re-keys the query index (PROTOCOL.md §19.2), audited as
   * `query.key-rotated`: `liaison index rotate-key` on a stopped node (a running one is asked
   * through `POST /v1/queries/index/rotate-key`).
   */
  async rotateOprfKey (reason: OprfRotationReason): Promise<OprfRotation> {
    if (this.components.rotateOprfKey == null) throw new NodeError('NODE_NOT_RUNNING', 'this service has no query index to rotate')
    return await this.components.rotateOprfKey(reason)
  }

  async keyStatus (): Promise<KeyStatus> {
    const rotation = await this.components.store.ownRotation()
    const waiting = rotation != null ? (await rotationAnswered(this.components.store, rotation)).waiting : []
    const peers = rotation != null ? await rotationPeerStates(this.components.store, this.components.trust, rotation) : []
    return { ...(rotation != null ? { rotation } : {}), waiting, peers, peerRotations: await this.components.store.listRotations() }
  }

  async approveRotation (oldPeerId: string): Promise<PeerRecord> {
    return await applyPeerRotation(this.components.store, this.components.trust, oldPeerId, this.now(), this.components.beforeRotationApplied)
  }

  async applyRevocation (certificate: string): Promise<RevocationOutcome> {
    const outcome = await applyRevocation(this.components.store, this.components.trust, new TextEncoder().encode(certificate), this.now())
    for (const r of outcome.cancelled) this.components.outbox?.emit('delivery', r)
    return outcome
  }

  async forward (ref: string, to: string[], legalBasis?: string): Promise<SendResult> {
    return await this.forwarding.forward(ref, to, legalBasis)
  }

  async requestRelease (ref: string, recipient: string, reason: string): Promise<ReleaseRecord> {
    return await this.forwarding.requestRelease(ref, recipient, reason)
  }

  async feedback (ref: string, rating: string, note?: string): Promise<FeedbackResult> {
    return await sendFeedback({ ...this.components, now: this.now }, ref, rating, note)
  }

  async report (input: ReportRequest): Promise<{ type: string, body: string }> {
    if (this.components.audit == null) {
      throw new NodeError('NODE_NOT_RUNNING', 'the report through the service needs a running node; on a stopped one `liaison report` reads the store itself')
    }
    return await reportOf({ db: this.components.store.db, audit: this.components.audit, signer: this.components.signer }, input)
  }

  async verifyReport (report: string): Promise<ReportVerdict> {
    return await verifyReportOf({ db: this.components.store.db }, Buffer.from(report, 'utf8'))
  }

  async answerRelease (requestId: string, decision: 'granted' | 'denied', opts: { validMs?: number, reason?: string } = {}): Promise<ReleaseRecord> {
    return await this.forwarding.answerRelease(requestId, decision, opts)
  }

  async releases (): Promise<ReleaseRecord[]> {
    return await this.forwarding.releases()
  }

  async send (input: SendInput, opts: { wait?: boolean, timeoutMs?: number, alongside?: SendAlongside } = {}): Promise<SendResult> {
    if (opts.wait === true && this.components.outbox == null) {
      throw new NodeError('NODE_NOT_RUNNING', '--wait needs a running node (start it with `liaison start`)')
    }
    const now = this.now()
    const outcomes: RecipientOutcome[] = []
    const allowed: string[] = []
    const subject: PolicySubject = { tlp: input.tlp, topic: input.topic, kind: input.kind, legalBasis: input.legalBasis, handling: input.handling ?? [] }
    let recipients = input.to ?? []
    let taskForce: Addressing | undefined
    if (input.taskForce != null) {
      if (recipients.length > 0) {
        throw new NodeError('BAD_ARGUMENT', 'give recipients (to) or a task force, not both: a task force message goes to every current member')
      }
      taskForce = await addressTaskForce(new TaskForceRecords(this.components.store.db), this.components.signer.peerId, input.taskForce, subject, now.getTime())
      recipients = taskForce.to
      subject.handling = taskForce.handling
      outcomes.push(...taskForce.refused)
      if (recipients.length === 0) {
        throw new NodeError(
          'TASKFORCE_NOT_PERMITTED',
          `no other member of task force ${input.taskForce} has its charter version in effect: ${
            taskForce.refused.map(o => `${o.peerId} (${o.detail})`).join(', ')
          }`,
          { details: outcomes }
        )
      }
    }
    if (!Array.isArray(recipients) || recipients.length === 0) throw new NodeError('BAD_ARGUMENT', 'to: at least one recipient is required')
    for (const peerId of [...new Set(recipients)]) {
      const verdict = decide(this.components.policy.current, this.components.trust.get(peerId), subject, 'out', now.getTime())
      if (verdict.decision === 'accept') allowed.push(peerId)
      else outcomes.push({ peerId, status: 'refused', reason: verdict.reason })
    }
    if (allowed.length === 0) {
      throw new NodeError('RECIPIENT_REFUSED', `every recipient was refused: ${outcomes.map(o => `${o.peerId} (${o.reason})`).join(', ')}`, {
        details: outcomes
      })
    }
    const expires = input.expires ?? new Date(now.getTime() + (input.ttlMs ?? DEFAULT_MESSAGE_TTL_MS)).toISOString()
    const draft: Record<string, unknown> = {
      v: 1,
      id: uuidV7(now.getTime(), idRandom()),
      kind: input.kind,
      from: this.components.signer.peerId,
      to: allowed,
      created: now.toISOString(),
      expires,
      tlp: input.tlp,
      handling: subject.handling,
      topic: input.topic,
      legalBasis: input.legalBasis,
      body: input.body
    }
    if (input.inReplyTo != null) draft.inReplyTo = input.inReplyTo
    if (taskForce != null) draft.taskForce = taskForce.ref
    let msg: MessageV1
    try {
      msg = validateMessage(draft)
    } catch (err) {
      if (err instanceof ProtocolError) throw new NodeError(err.code, err.message, { cause: err })
      throw err
    }
    const payload = encodeMessage(msg)
    if (payload.length > this.components.policy.current.maxMessageBytes) {
      throw new NodeError('TOO_LARGE', `the message is ${payload.length} bytes; policy allows ${this.components.policy.current.maxMessageBytes}`)
    }
    const envelope = signEnvelope(PAYLOAD_TYPES.message, payload, this.components.signer)
    const bytes = encodeEnvelope(envelope)
    const digest = envelopeDigest(envelope)
    const meta = metaOf(msg, digest, 'out', now.getTime())
    const waiting = opts.wait === true ? this.waitFor(digest, allowed, opts.timeoutMs) : undefined
    const extra = opts.alongside?.({ digest, storedAt: meta.storedAt, queued: allowed, refused: [...outcomes] }) ?? { ops: [], events: [] }
    // The task force entry goes just before message.sent (same write): the report reads the task force there.
    const preface = taskForceSendEvents(meta)
    if (this.components.outbox != null) await this.components.outbox.enqueue(meta, bytes, allowed, extra.ops, extra.events, preface)
    else await enqueueOutbound(this.components.store, meta, bytes, allowed, now.getTime(), extra.ops, extra.events, preface)
    if (waiting != null) {
      const finals = await waiting
      for (const r of finals) outcomes.push({ peerId: r.recipient, status: r.status, ...(r.reason != null ? { reason: r.reason } : {}) })
    } else {
      for (const peerId of allowed) {
        const failure = this.components.outbox?.unreachable(peerId)
        outcomes.push({ peerId, status: 'queued', ...(failure != null ? { reason: 'PEER_UNREACHABLE', detail: describeDialFailure(failure) } : {}) })
      }
    }
    return { id: msg.id, digest, recipients: outcomes }
  }

  private waitFor (digest: string, recipients: string[], timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<DeliveryRecord[]> {
    const outbox = this.components.outbox as Outbox
    return new Promise((resolve, reject) => {
      const done = new Map<string, DeliveryRecord>()
      const timer = setTimeout(() => {
        outbox.off('delivery', listener)
        const open = recipients.filter(r => !done.has(r))
        const unreachable = open.flatMap(peerId => {
          const f = outbox.unreachable(peerId)
          return f != null ? [{ peerId, ...f }] : []
        })
        if (unreachable.length > 0) {
          reject(
            new NodeError(
              'PEER_UNREACHABLE',
              `no final receipt within ${timeoutMs} ms; the message stays queued. ${
                unreachable.map(u => `${this.components.trust.get(u.peerId)?.name ?? u.peerId} (${u.peerId}): ${describeDialFailure(u)}`).join('. ')
              }`,
              { details: unreachable }
            )
          )
          return
        }
        reject(new NodeError('TIMEOUT', `no final receipt from ${open.join(', ')} within ${timeoutMs} ms; the message stays queued`))
      }, timeoutMs)
      const listener = (record: DeliveryRecord): void => {
        if (record.digest !== digest || !FINAL.has(record.status)) return
        done.set(record.recipient, record)
        if (done.size === recipients.length) {
          clearTimeout(timer)
          outbox.off('delivery', listener)
          resolve(recipients.map(r => done.get(r) as DeliveryRecord))
        }
      }
      outbox.on('delivery', listener)
    })
  }

  async inbox (query: InboxQuery = {}): Promise<MessageMeta[]> {
    return await this.components.store.listMessages('in', query)
  }

  async sent (query: InboxQuery = {}): Promise<MessageMeta[]> {
    return await this.components.store.listMessages('out', query)
  }

  async outbox (): Promise<DeliveryRecord[]> {
    return await this.components.store.listDeliveries()
  }

  async message (ref: string, opts: { envelope?: boolean } = {}): Promise<MessageView> {
    const { store } = this.components
    const digest = await store.resolveRef(ref)
    const meta = digest == null ? undefined : await store.getMeta(digest)
    if (digest == null || meta == null) throw new NodeError('NOT_FOUND', `no message ${ref}`)
    const view: MessageView = {
      meta,
      receipts: (await store.receiptsFor(digest)).map(r => ({ by: r.by, envelope: Buffer.from(r.envelope).toString('base64') }))
    }
    if (opts.envelope === true) {
      const bytes = await store.getEnvelope(digest)
      if (bytes != null) view.envelope = Buffer.from(bytes).toString('base64')
    }
    if (meta.direction === 'out') {
      const deliveries = await Promise.all(meta.to.map(async r => await store.getDelivery(digest, r)))
      view.deliveries = deliveries.filter((d): d is DeliveryRecord => d != null)
    }
    return view
  }

  async peers (): Promise<PeerRecord[]> {
    return this.components.trust.list()
  }

  async peer (peerId: string): Promise<PeerRecord> {
    const record = this.components.trust.get(peerId)
    if (record == null) throw new NodeError('NOT_FOUND', `peer ${peerId} is not on the trust list`)
    return record
  }

  async addPeer (input: PeerInput): Promise<PeerRecord> {
    return await this.components.trust.add(input, this.now())
  }

  async addPeerFromCard (text: string, fields: PeerFields, expectFingerprint?: string): Promise<AddPeerResult> {
    const { card, fingerprint } = openCard(text)
    // The real fingerprint is never told: whoever typed a wrong one must not be handed the right one.
    if (expectFingerprint != null && expectFingerprint.trim().toUpperCase() !== fingerprint) {
      throw new NodeError(
        'BAD_KEY',
        `the card's key does not have the fingerprint ${expectFingerprint}; do not add this card: confirm the fingerprint with the agency again over a ` +
          `separate channel`
      )
    }
    const record = await this.components.trust.add(
      {
        name: card.name,
        addresses: card.addresses,
        ...(card.jurisdiction != null ? { jurisdiction: card.jurisdiction } : {}),
        ...(card.oprfKey != null ? { oprfKey: card.oprfKey } : {}),
        ...fields,
        peerId: card.peerId
      },
      this.now(),
      { ...(card.courier != null ? { courier: card.courier } : {}), ...(expectFingerprint == null ? { action: UNCHECKED_CARD_ACTION } : {}) }
    )
    return { record, fingerprint }
  }

  async inspectCard (text: string): Promise<CardInspection> {
    return inspectCard(text, peerId => this.components.trust.get(peerId))
  }

  async updatePeer (peerId: string, fields: PeerFields): Promise<PeerRecord> {
    return await this.components.trust.update(peerId, fields, this.now())
  }

  async setPeerStatus (peerId: string, status: 'active' | 'suspended' | 'revoked'): Promise<PeerStatusChange> {
    const change = await setPeerStatus(this.components.store, this.components.trust, peerId, status, this.now())
    for (const r of change.cancelled) this.components.outbox?.emit('delivery', r)
    return change
  }

  async policy (): Promise<NodePolicy> {
    return this.components.policy.current
  }

  async reloadPolicy (): Promise<NodePolicy> {
    const { before, after } = await this.components.policy.reload()
    if (JSON.stringify(before) !== JSON.stringify(after)) await this.components.store.commit([], [auditEvents.policyChanged(before, after)])
    return after
  }

  async checkPolicy (input: PolicyCheckInput): Promise<Decision> {
    return decide(this.components.policy.current, this.components.trust.get(input.to), input, 'out', this.now().getTime())
  }

  async card (): Promise<CardExport> {
    // The courier of this key's revocation kit, announced so peers admit it (PROTOCOL.md §9.1).
    const courier = await courierOf(dataDirPaths(this.components.dir).revocationDir, this.components.signer.peerId)
    const oprfKey = await this.components.oprfKey?.()
    return exportCard(this.components.signer, {
      name: this.components.name,
      addresses: this.components.addresses(),
      ...(this.components.jurisdiction != null ? { jurisdiction: this.components.jurisdiction } : {}),
      ...(courier != null ? { courier } : {}),
      ...(oprfKey != null ? { oprfKey } : {})
    }, this.now())
  }

  async removePeer (peerId: string): Promise<void> {
    await this.components.trust.remove(peerId)
  }

  async witness (): Promise<WitnessOutcome[]> {
    if (this.components.witness == null) throw new NodeError('NODE_NOT_RUNNING', 'witnessing needs a running node')
    return await this.components.witness.presentToAll()
  }

  async witnesses (): Promise<{ seen: WitnessedCheckpoint[], alerts: WitnessAlert[] }> {
    const records = new WitnessStore(this.components.store.db)
    return { seen: await records.listSeen(), alerts: await records.listAlerts() }
  }

  async health (): Promise<Health> {
    const running = this.components.outbox != null
    return {
      status: this.stopping ? 'not-ready' : 'ready',
      peerId: this.components.signer.peerId,
      name: this.components.name,
      running,
      ...(this.components.connectedPeers != null ? { connected: this.components.connectedPeers() } : {})
    }
  }
}
