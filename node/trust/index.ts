/**
 * Whom this node trusts, and how that changes.
 *
 * - trust-list.ts — `TrustList`: the peers and what may flow to and from each, kept in the
 *   store and mirrored in memory for the connection gate and the receive pipeline; emits
 *   `change`.
 * - peer-admin.ts — suspending and revoking a peer (and what that does to queued messages),
 *   trust cards (`exportCard`, `openCard`).
 * - card-inspection.ts — `inspectCard`: what a card says (name, keys, fingerprint) before it is
 *   added.
 * - revocation.ts — acting on a peer's revocation certificate.
 * - key-rotation.ts — this node's key rotation (announce, then switch) and a peer's (approve,
 *   re-key its record).
 * - approval-notice.ts — telling a rotating peer that this node approved its rotation.
 *
 * @example
 * ```ts
 * const trust = await TrustList.load(store)
 * trust.on('change', (peerId, record) => { … })
 * const change = await setPeerStatus(store, trust, peerId, 'suspended')
 * ```
 *
 * @module
 */
export { admit, TrustList, type PeerInput, type TrustListEvents } from './trust-list.ts'
export { exportCard, openCard, setPeerStatus, type CardExport } from './peer-admin.ts'
export { inspectCard, type CardInspection, type CardKey } from './card-inspection.ts'
export { applyRevocation, type RevocationOutcome } from './revocation.ts'
export {
  announceRotation,
  applyPeerRotation,
  rotationAnswered,
  rotationPeerStates,
  type BeforeRotationApplied,
  type RotationComponents,
  type RotationPeerState
} from './key-rotation.ts'
export { APPROVAL_NOTICE_TIMEOUT_MS, sendApprovalNotice, type NoticeOutcome } from './approval-notice.ts'
