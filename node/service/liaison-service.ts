/**
 * What an operator can ask of a node — send, inbox, outbox, message, peers, health — as one
 * interface, and the values it answers with. The running node serves it over the local API
 * (node/api/), the CLI calls it through the API when the node runs (ApiClient) or directly on
 * the store when it does not (LocalService, local-service.ts).
 *
 * Only types live here, so that the parts that answer for the service (forwarding, the API
 * routes) can name its values without importing its implementation.
 *
 * @module
 */
import type { MessageKind, Tlp } from '../../protocol/types.ts'
import type { InboxQuery, BatchOp, DeliveryRecord, MessageMeta, OwnRotation, PeerRecord, PeerRotation, ReleaseRecord } from '../store/index.ts'
import type { RevocationOutcome, RotationPeerState, CardExport, CardInspection, PeerInput } from '../trust/index.ts'
import type { FeedbackResult } from '../feedback/send-feedback.ts'
import type { WitnessOutcome } from '../witness/witness.ts'
import type { WitnessAlert, WitnessedCheckpoint } from '../witness/witness-store.ts'
import type { Decision, PolicySubject, NodePolicy, PeerFields } from '../policy/index.ts'
import type { ReportRequest } from '../report/serve-report.ts'
import type { ReportVerdict } from '../report/verify-report.ts'

export interface SendInput {
  to: string[]
  /** Send under this task force's charter in effect, to every current member (PROTOCOL.md §21.5); `to` stays empty. */
  taskForce?: string
  kind: MessageKind
  tlp: Tlp
  topic: string
  legalBasis: string
  handling?: string[]
  inReplyTo?: string
  /** Absolute expiry (RFC 3339) or lifetime in ms; default DEFAULT_MESSAGE_TTL_MS. */
  expires?: string
  ttlMs?: number
  body: Record<string, unknown>
}

export interface RecipientOutcome {
  peerId: string
  status: 'queued' | 'refused' | 'delivered' | 'rejected' | 'expired' | 'cancelled' | 'pending'
  reason?: string
  /** With reason PEER_UNREACHABLE: the addresses tried and the last error. */
  detail?: string
}

export interface SendResult {
  id: string
  digest: string
  recipients: RecipientOutcome[]
}

/**
 * Records a caller stores in the same durable write as the message it sends (the TAXII
 * server's status resource and audit event: one fsync per POST, not two). Called once the
 * message is signed, with its digest, the recipients it is queued for and those refused.
 */
export type SendAlongside = (
  message: { digest: string, storedAt: number, queued: string[], refused: RecipientOutcome[] }
) => { ops: BatchOp[], events: unknown[] }

export interface MessageView {
  meta: MessageMeta
  /** Base64 of the envelope bytes exactly as signed or received (when asked and not purged). */
  envelope?: string
  receipts: Array<{ by: string, envelope: string }>
  deliveries?: DeliveryRecord[]
}

export interface Health {
  status: 'ready' | 'not-ready'
  peerId: string
  name: string
  running: boolean
  /** Peers with an open connection right now (running node only). */
  connected?: string[]
}

export interface PolicyCheckInput extends PolicySubject {
  to: string
}

export interface PeerStatusChange {
  record: PeerRecord
  cancelled: DeliveryRecord[]
}

export interface AddPeerResult {
  record: PeerRecord
  /** Present when the peer was added from a trust card: compare it out of band. */
  fingerprint?: string
}

/**
 * Key rotation status. `waiting`: peers whose receipt for this node's rotation statement has not
 * arrived yet (not: peers that have not approved); `peers`: what each peer did (announced,
 * received, approved).
 */
export interface KeyStatus {
  rotation?: OwnRotation
  waiting: string[]
  peers: RotationPeerState[]
  peerRotations: PeerRotation[]
}

export interface LiaisonService {
  send(input: SendInput, opts?: { wait?: boolean, timeoutMs?: number }): Promise<SendResult>
  inbox(query?: InboxQuery): Promise<MessageMeta[]>
  sent(query?: InboxQuery): Promise<MessageMeta[]>
  outbox(): Promise<DeliveryRecord[]>
  message(ref: string, opts?: { envelope?: boolean }): Promise<MessageView>
  peers(): Promise<PeerRecord[]>
  peer(peerId: string): Promise<PeerRecord>
  addPeer(input: PeerInput): Promise<PeerRecord>
  /** Add from a self-signed trust card (envelope JSON text), with permission fields. */
  addPeerFromCard(card: string, fields: PeerFields, expectFingerprint?: string): Promise<AddPeerResult>
  /** What a trust card says (name, peer ID, fingerprint, keys), its self-signature checked; adds nothing. */
  inspectCard(card: string): Promise<CardInspection>
  updatePeer(peerId: string, fields: PeerFields): Promise<PeerRecord>
  setPeerStatus(peerId: string, status: 'active' | 'suspended' | 'revoked'): Promise<PeerStatusChange>
  removePeer(peerId: string): Promise<void>
  policy(): Promise<NodePolicy>
  reloadPolicy(): Promise<NodePolicy>
  checkPolicy(input: PolicyCheckInput): Promise<Decision>
  card(): Promise<CardExport>
  rotateKey(): Promise<OwnRotation>
  keyStatus(): Promise<KeyStatus>
  approveRotation(oldPeerId: string): Promise<PeerRecord>
  /** Act on a peer's revocation certificate (its envelope, JSON text): revoke that key and its record. */
  applyRevocation(certificate: string): Promise<RevocationOutcome>
  forward(ref: string, to: string[], legalBasis?: string): Promise<SendResult>
  requestRelease(ref: string, recipient: string, reason: string): Promise<ReleaseRecord>
  feedback(ref: string, rating: string, note?: string): Promise<FeedbackResult>
  /** The cooperation report up to a checkpoint issued now (running node only), rendered or signed. */
  report(input: ReportRequest): Promise<{ type: string, body: string }>
  /** Recompute a report (its file's text: JSON, signed or HTML) from this node's log at the checkpoint it names, and compare. */
  verifyReport(report: string): Promise<ReportVerdict>
  answerRelease(requestId: string, decision: 'granted' | 'denied', opts?: { validMs?: number, reason?: string }): Promise<ReleaseRecord>
  releases(): Promise<ReleaseRecord[]>
  /** Ask every active peer to cosign our latest checkpoint now (running node). */
  witness(): Promise<WitnessOutcome[]>
  /** What this node witnessed: peers' latest checkpoints, and any inconsistency alerts. */
  witnesses(): Promise<{ seen: WitnessedCheckpoint[], alerts: WitnessAlert[] }>
  health(): Promise<Health>
}
