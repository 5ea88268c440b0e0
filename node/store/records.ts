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
  /** Set once a purge removed the envelope after expiry. */
  purgedAt?: number
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
}

export type PeerStatus = 'active' | 'suspended' | 'revoked'

/** One entry of the trust list. The policy issue extends it with permissions. */
export interface PeerRecord {
  peerId: string
  name: string
  addresses: string[]
  status: PeerStatus
  addedAt: string
  updatedAt: string
}
