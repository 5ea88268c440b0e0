/**
 * Shared value types of the Liaison protocol v1.
 *
 * @module
 */
import type { KeyObject } from 'node:crypto'

export const PAYLOAD_TYPES = {
  message: 'application/vnd.liaison.message.v1+json',
  receipt: 'application/vnd.liaison.receipt.v1+json',
  card: 'application/vnd.liaison.card.v1+json',
  forward: 'application/vnd.liaison.forward.v1+json',
  releaseRequest: 'application/vnd.liaison.release-request.v1+json',
  releaseGrant: 'application/vnd.liaison.release-grant.v1+json',
  keyRotation: 'application/vnd.liaison.key-rotation.v1+json',
  checkpoint: 'application/vnd.liaison.checkpoint.v1+json',
  addressUpdate: 'application/vnd.liaison.address-update.v1+json',
  feedback: 'application/vnd.liaison.feedback.v1+json',
  revocation: 'application/vnd.liaison.revocation.v1+json',
  rotationApproval: 'application/vnd.liaison.rotation-approval.v1+json',
  taskforceCharter: 'application/vnd.liaison.taskforce-charter.v1+json',
  taskforceNotice: 'application/vnd.liaison.taskforce-notice.v1+json'
} as const

export type PayloadType = typeof PAYLOAD_TYPES[keyof typeof PAYLOAD_TYPES]

/** One DSSE signature. `keyid` is a hint (the signer's peer ID); never trusted. */
export interface EnvelopeSignature {
  keyid: string
  sig: Uint8Array
}

/** A decoded DSSE v1 envelope. `payload` is the exact signed bytes. */
export interface Envelope {
  payloadType: string
  payload: Uint8Array
  signatures: EnvelopeSignature[]
}

/** Something that signs with an Ed25519 key; `peerId` is that key's libp2p peer ID. */
export interface Signer {
  readonly peerId: string
  readonly publicKey: Uint8Array
  sign(data: Uint8Array): Uint8Array
}

/** A public key ready for fast verification. */
export interface VerifyKey {
  readonly peerId: string
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** node:crypto key object, built once so the hot path does not re-parse keys. */
  readonly keyObject: KeyObject
}

export const MESSAGE_KINDS = ['report', 'alert', 'rfi', 'response'] as const
export type MessageKind = typeof MESSAGE_KINDS[number]

/** FIRST TLP 2.0 labels, in increasing order of restriction. */
export const TLP_LEVELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const
export type Tlp = typeof TLP_LEVELS[number]

/** Handling codes with a defined meaning. Agencies may add their own with an `x-` prefix. */
export const HANDLING_CODES = [
  'no-onward-without-consent',
  'no-judicial-use-without-consent',
  'no-operational-use-without-consent',
  'originator-only'
] as const

/** Message v1: the payload of `application/vnd.liaison.message.v1+json`. */
export interface MessageV1 {
  v: 1
  id: string
  kind: MessageKind
  from: string
  to: string[]
  created: string
  expires: string
  tlp: Tlp
  handling: string[]
  topic: string
  legalBasis: string
  inReplyTo?: string
  /** Sent under this task force charter version (PROTOCOL.md §21.5). */
  taskForce?: { id: string, charter: string }
  body: Record<string, unknown>
}

export type ReceiptStatus = 'accepted' | 'rejected'

/** Receipt v1: the payload of `application/vnd.liaison.receipt.v1+json`. */
export interface ReceiptV1 {
  v: 1
  /** Digest (lowercase hex SHA-256 of PAE) of the envelope this receipt answers. */
  for: string
  /** The message id, or null when the payload could not be parsed far enough to know it. */
  messageId: string | null
  by: string
  at: string
  status: ReceiptStatus
  /** A ReasonCode; present if and only if status is `rejected`. */
  reason?: string
}
