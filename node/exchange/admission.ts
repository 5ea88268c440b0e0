/**
 * What a payload handler decides about one verified envelope: refuse it with a reason code, or
 * admit it with the records to store alongside the envelope.
 *
 * @module
 */
import type { ReasonCode } from '../../protocol/errors.ts'
import type { Envelope, Signer } from '../../protocol/types.ts'
import type { BatchOp, MessageMeta, Store } from '../store/index.ts'
import type { TrustList } from '../trust/trust-list.ts'
import type { NodePolicy } from '../policy/index.ts'

export interface Incoming {
  env: Envelope
  digest: string
  /** The peer authenticated by Noise; the envelope verified under its key. */
  remote: string
  /**
   * The identity whose key verified the envelope: `remote`, or a key the remote peer retired by
   * a rotation this node applied less than `rotationGraceMs` ago (PROTOCOL.md §14).
   */
  signedAs: string
  nowMs: number
  policy: NodePolicy
  self: Signer
  /** Every identity this node has had: messages queued before a key rotation still reach it. */
  selfIds: ReadonlySet<string>
  trust: TrustList
  store: Store
}

export type Admission =
  | { ok: false, reason: ReasonCode, messageId: string | null, detail?: string }
  /**
   * `events` are logged after the message's `message.received`; `preface` (optional) just before
   * it, in the same write: entries that tell something about the message itself (its task force),
   * so a reader of the log in order — the report — knows it when it reaches the message.
   */
  | { ok: true, meta: MessageMeta, ops: BatchOp[], events: unknown[], preface?: unknown[] }

export type PayloadHandler = (incoming: Incoming) => Promise<Admission> | Admission

export const refuse = (reason: ReasonCode, messageId: string | null = null, detail?: string): Admission => ({
  ok: false,
  reason,
  messageId,
  ...(detail != null ? { detail } : {})
})

/** Freshness and addressing, shared by every payload type that has them. */
export function checkEnvelopeHeader (
  h: { id: string, from: string, to: readonly string[], created: string, expires: string },
  incoming: Incoming
): Admission | undefined {
  if (h.from !== incoming.signedAs) return refuse('SIGNER_MISMATCH', h.id, `from ${h.from} is not the authenticated peer ${incoming.remote}`)
  if (Date.parse(h.created) > incoming.nowMs + incoming.policy.clockSkewMs) return refuse('CLOCK_SKEW', h.id)
  if (Date.parse(h.expires) <= incoming.nowMs) return refuse('EXPIRED', h.id)
  if (!h.to.some(id => incoming.selfIds.has(id))) return refuse('NOT_ADDRESSED', h.id)
  return undefined
}
