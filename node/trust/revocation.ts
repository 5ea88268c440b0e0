/**
 * Acting on a peer's revocation certificate (protocol/revocation.ts): the key it names is marked
 * revoked in the key history of the trust record that holds it, and the record itself becomes
 * `revoked` — at once, in one audited write that also cancels what was queued for the peer. The
 * transport drops the peer's connections on the trust change, the connection gate and the
 * receive pipeline refuse it from then on (`PEER_REVOKED`), and what it sent before stays
 * verifiable (its keys stay on the record).
 *
 * Revoking a key that the record has since retired by a rotation revokes the record too: the
 * rotation was signed by the revoked key, and this node cannot tell whether the agency or the
 * thief made it.
 *
 * @module
 */
import { openRevocation, type RevocationV1 } from '../../protocol/revocation.ts'
import { NodeError } from '../errors.ts'
import type { Store, BatchOp, DeliveryRecord, PeerRecord } from '../store/index.ts'
import type { TrustList } from './trust-list.ts'

export interface RevocationOutcome {
  revocation: RevocationV1
  /** Digest of the certificate envelope (PROTOCOL.md §8). */
  digest: string
  record: PeerRecord
  cancelled: DeliveryRecord[]
  /** False when this certificate had already been applied (nothing changed). */
  applied: boolean
}

export async function applyRevocation (store: Store, trust: TrustList, certificate: Uint8Array, now: Date): Promise<RevocationOutcome> {
  const { revocation, digest } = openRevocation(certificate)
  const before = trust.list().find(p => p.peerId === revocation.peerId || p.keyHistory.some(k => k.peerId === revocation.peerId))
  if (before == null) throw new NodeError('NOT_FOUND', `no peer on the trust list has the key ${revocation.peerId}`)
  const entry = before.keyHistory.find(k => k.peerId === revocation.peerId)
  if (before.status === 'revoked' && entry?.revokedAt != null) return { revocation, digest, record: before, cancelled: [], applied: false }
  const at = now.toISOString()
  const keyHistory = before.keyHistory.some(k => k.peerId === revocation.peerId)
    ? before.keyHistory.map(k => k.peerId === revocation.peerId ? { ...k, revokedAt: at, revocation: digest } : k)
    : [...before.keyHistory, { peerId: revocation.peerId, validFrom: before.addedAt, revokedAt: at, revocation: digest }]
  const after: PeerRecord = { ...before, status: 'revoked', keyHistory, updatedAt: at }
  const ops: BatchOp[] = []
  const cancelled: DeliveryRecord[] = []
  const pending = await store.pendingFor(before.peerId, Number.MAX_SAFE_INTEGER)
  const records = pending.length > 0 ? await store.dlv.getMany(pending.map(p => p.digest + '!' + before.peerId)) : []
  for (const r of records) {
    if (r == null || r.status !== 'pending') continue
    const next: DeliveryRecord = { ...r, status: 'cancelled', reason: 'PEER_REVOKED', updatedAt: now.getTime() }
    ops.push(...store.deliveryOps(next, r))
    cancelled.push(next)
  }
  await trust.replace(before, after, 'peer.key-revoked', undefined, ops)
  return { revocation, digest, record: after, cancelled, applied: true }
}
