/**
 * What the store keeps, as plain JSON-able records. The envelope bytes are kept separately,
 * exactly as signed or received.
 *
 * @module
 */
import type { MessageKind, Tlp } from '../../protocol/types.ts'

export type Direction = 'in' | 'out'

/** Index data of one stored message (the envelope is the source of truth). */
export interface MessageMeta {
  digest: string
  id: string
  /** Absent for plain messages; set for forwards and release requests/grants. */
  payloadType?: string
  direction: Direction
  from: string
  to: string[]
  kind: MessageKind
  tlp: Tlp
  topic: string
  legalBasis: string
  handling: string[]
  created: string
  expires: string
  inReplyTo?: string
  /** When this node stored it (ms since epoch). */
  storedAt: number
  /** For a forward: the original message inside it (from = originator, this meta's from = forwarder). */
  original?: { digest: string, id: string, from: string }
  /** Set once a purge removed the envelope after expiry. */
  purgedAt?: number
  /** The task force charter version a message was sent under (PROTOCOL.md §21.5). */
  taskForce?: { id: string, charter: string }
}

export type DeliveryStatus = 'pending' | 'delivered' | 'rejected' | 'expired' | 'cancelled'

/** Delivery state of one outbound message to one recipient. */
export interface DeliveryRecord {
  digest: string
  messageId: string
  recipient: string
  status: DeliveryStatus
  /** Queue position (monotonic per node) while pending. */
  seq: number
  attempts: number
  queuedAt: number
  updatedAt: number
  expires: string
  reason?: string
  /** Digest of the recipient's receipt envelope (delivered / rejected). */
  receiptDigest?: string
  /**
   * When the delivery lane first wrote the message to the recipient's stream (epoch ms); kept
   * across sessions and restarts once a session ends without the receipt, and recorded as the
   * `sentAt` of its `receipt.stored` entry (the report's outbox split).
   */
  sentAt?: number
}

export type PeerStatus = 'active' | 'suspended' | 'revoked'

/** A legal agreement with a peer: messages must name it as `legalBasis` while it is valid. */
export interface Agreement {
  id: string
  /** RFC 3339 UTC, inclusive. */
  validFrom: string
  /** RFC 3339 UTC, inclusive. */
  validUntil: string
}

/** One key a peer has used, with the interval in which this node accepted it. */
export interface KeyHistoryEntry {
  peerId: string
  validFrom: string
  /** Set when a rotation retired the key: messages signed later are not accepted as new traffic. */
  validUntil?: string
  /** Set when a revocation certificate for this key was applied: the peer is then revoked. */
  revokedAt?: string
  /** Digest of that revocation certificate (PROTOCOL.md §8). */
  revocation?: string
  /**
   * Peer ID of the courier key announced with this key (trust card or rotation statement): the
   * connection gate admits it for the revocation protocol only (PROTOCOL.md §9.1).
   */
  courier?: string
}

/** Wildcard for topic lists: every topic. */
export const ANY_TOPIC = '*'

/** One entry of the trust list: who the peer is and what may flow to and from it. */
export interface PeerRecord {
  peerId: string
  name: string
  addresses: string[]
  status: PeerStatus
  /** ISO 3166-1 alpha-2 country code. */
  jurisdiction?: string
  agreements: Agreement[]
  maxTlpOut: Tlp
  maxTlpIn: Tlp
  topicsOut: string[]
  topicsIn: string[]
  kinds: MessageKind[]
  note?: string
  /** Earlier keys of this peer (key rotation), oldest first. */
  keyHistory: KeyHistoryEntry[]
  /** Apply this peer's key rotations without asking the operator. */
  autoApproveRotation: boolean
  /** The last signed address update applied to `addresses` (the peer's own statement). */
  addressUpdate?: { id: string, created: string, digest: string }
  /** What this peer may ask this node in hit/no-hit queries (PROTOCOL.md §19); absent: nothing. */
  query?: { types: string[], quotaPerDay: number, maxPerQuery: number }
  /** The peer's OPRF key from its trust card: answers are checked against it (PROTOCOL.md §19.2). */
  oprfKey?: { publicKey: string, keyId: string }
  addedAt: string
  updatedAt: string
}

export type ReleaseStatus = 'pending' | 'granted' | 'denied'

/** A release request, on the originator's side (incoming) or the forwarder's (outgoing). */
export interface ReleaseRecord {
  requestId: string
  direction: Direction
  status: ReleaseStatus
  messageDigest: string
  messageId: string
  forwarder: string
  originator: string
  recipient: string
  reason: string
  requestDigest: string
  grantDigest?: string
  /** Until when a grant may be used. */
  grantExpires?: string
  updatedAt: number
}

/** A peer's announced key rotation, as this node saw it. */
export interface PeerRotation {
  oldPeerId: string
  newPeerId: string
  id: string
  created: string
  statementDigest: string
  status: 'pending' | 'applied'
  updatedAt: number
  /** The new key's courier, when the statement names one. */
  courier?: string
}

/** This node's own rotation in progress: announced, not yet switched. */
export interface OwnRotation {
  id: string
  oldPeerId: string
  newPeerId: string
  created: string
  statementDigest: string
  announcedTo: string[]
}
