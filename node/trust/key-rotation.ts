/**
 * Key rotation. On the rotating node: announce a statement signed by the old and the new key
 * to every active peer, then switch identities (at the next start, once every peer has
 * answered — or when the operator forces it). On a peer: apply an announced rotation after
 * operator approval (or automatically where the peer's record says so): the trust record is
 * re-keyed, the old key stays in its history so old messages stay verifiable, and messages
 * still queued for the old identity move to the new one.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { encodeKeyRotation, type KeyRotationV1 } from '../../protocol/key-rotation.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { PAYLOAD_TYPES, type Signer } from '../../protocol/types.ts'
import { createNextIdentity, dataDirPaths } from '../config/index.ts'
import { courierOf, kitPeers } from '../courier/kit.ts'
import { NodeError } from '../errors.ts'
import type { Store, BatchOp, DeliveryRecord, MessageMeta, OwnRotation, PeerRecord, PeerRotation } from '../store/index.ts'
import type { TrustList } from './trust-list.ts'
import type { Outbox } from '../exchange/outbox.ts'
import { enqueueOutbound } from '../exchange/enqueue.ts'
import { auditEvents } from '../audit/events.ts'

export interface RotationComponents {
  dir: string
  store: Store
  trust: TrustList
  signer: Signer
  outbox?: Outbox
  now: () => Date
}

export async function announceRotation (c: RotationComponents): Promise<OwnRotation> {
  if (await c.store.ownRotation() != null) throw new NodeError('BAD_ARGUMENT', 'a key rotation is already in progress (see `liaison keys status`)')
  const next = await createNextIdentity(c.dir, kitPeers(c.trust.list()))
  const now = c.now()
  // The new key's courier follows the rotation: peers that apply it admit the courier (§9.1).
  const courier = await courierOf(dataDirPaths(c.dir).revocationDir, next.peerId)
  const statement: KeyRotationV1 = {
    v: 1,
    id: uuidV7(now.getTime(), randomBytes(10)),
    oldPeerId: c.signer.peerId,
    newPeerId: next.peerId,
    created: now.toISOString(),
    ...(courier != null ? { courier } : {})
  }
  const env = signEnvelope(PAYLOAD_TYPES.keyRotation, encodeKeyRotation(statement), [c.signer, next])
  const digest = envelopeDigest(env)
  const peers = c.trust.list().filter(p => p.status === 'active').map(p => p.peerId)
  const own: OwnRotation = {
    id: statement.id,
    oldPeerId: statement.oldPeerId,
    newPeerId: next.peerId,
    created: statement.created,
    statementDigest: digest,
    announcedTo: peers
  }
  const meta: MessageMeta = {
    digest,
    id: statement.id,
    payloadType: PAYLOAD_TYPES.keyRotation,
    direction: 'out',
    from: c.signer.peerId,
    to: peers.length > 0 ? peers : [c.signer.peerId],
    kind: 'alert',
    tlp: 'CLEAR',
    topic: 'key-rotation',
    legalBasis: 'liaison',
    handling: [],
    created: statement.created,
    expires: new Date(now.getTime() + 365 * 24 * 3600_000).toISOString(),
    storedAt: now.getTime()
  }
  const bytes = encodeEnvelope(env)
  const extra = [c.store.ownRotationOp(own)]
  // With no peer to announce to, the statement is still this node's own record: logged like any
  // message it sent, so `audit verify` finds an entry for every stored envelope.
  if (peers.length === 0) await c.store.commit([...c.store.messageOps(meta, bytes), ...extra], [auditEvents.messageSent(meta, bytes)])
  else if (c.outbox != null) await c.outbox.enqueue(meta, bytes, peers, extra)
  else await enqueueOutbound(c.store, meta, bytes, peers, now.getTime(), extra)
  return own
}

/** Whether every peer the rotation was announced to has answered it (or the delivery ended). */
export async function rotationAnswered (store: Store, own: OwnRotation): Promise<{ done: boolean, waiting: string[] }> {
  const waiting: string[] = []
  for (const peerId of own.announcedTo) {
    const d = await store.getDelivery(own.statementDigest, peerId)
    if (d == null || d.status === 'pending') waiting.push(peerId)
  }
  return { done: waiting.length === 0, waiting }
}

/**
 * What each peer did with this node's announced rotation, as far as this node can see:
 * `announced` (queued to it), `received` (its signed receipt for the statement arrived: when,
 * and whether it accepted it), `approved` (when it applied the rotation, from its signed
 * approval notice; null until one arrives — a peer that could not reach this node's old
 * identity when it approved sends none).
 */
export interface RotationPeerState {
  peerId: string
  name?: string
  announced: string
  received: string | null
  answer: 'pending' | 'accepted' | 'rejected' | 'expired' | 'cancelled'
  reason?: string
  approved: string | null
}

export async function rotationPeerStates (store: Store, trust: TrustList, own: OwnRotation): Promise<RotationPeerState[]> {
  const out: RotationPeerState[] = []
  for (const peerId of own.announcedTo) {
    const d = await store.getDelivery(own.statementDigest, peerId)
    const name = trust.get(peerId)?.name
    const answer = d == null ? 'pending' : d.status === 'delivered' ? 'accepted' : d.status
    out.push({
      peerId,
      ...(name != null ? { name } : {}),
      announced: own.created,
      received: d != null && d.status !== 'pending' ? new Date(d.updatedAt).toISOString() : null,
      answer,
      ...(d?.reason != null ? { reason: d.reason } : {}),
      approved: (await store.rotationApproval(own.statementDigest, peerId))?.approved ?? null
    })
  }
  return out
}

/**
 * Called with the rotation about to be applied while the peer's old identity is still trusted:
 * the running node sends its approval notice there (node/trust/approval-notice.ts). Never throws.
 */
export type BeforeRotationApplied = (rotation: PeerRotation, record: PeerRecord) => Promise<void>

/** Re-key a peer after its announced rotation: one atomic change of record and queue. */
export async function applyPeerRotation (
  store: Store,
  trust: TrustList,
  oldPeerId: string,
  now: Date,
  beforeApply?: BeforeRotationApplied
): Promise<PeerRecord> {
  const rotation = await store.rot.get(oldPeerId)
  if (rotation == null || rotation.status !== 'pending') throw new NodeError('NOT_FOUND', `no pending key rotation from ${oldPeerId}`)
  const before = trust.get(oldPeerId)
  if (before == null) throw new NodeError('NOT_FOUND', `peer ${oldPeerId} is not on the trust list`)
  if (trust.get(rotation.newPeerId) != null) throw new NodeError('PEER_EXISTS', `${rotation.newPeerId} is already on the trust list`)
  await beforeApply?.(rotation, before)
  const at = now.toISOString()
  const after: PeerRecord = {
    ...before,
    peerId: rotation.newPeerId,
    addresses: before.addresses.map(a => a.replace(`/p2p/${oldPeerId}`, `/p2p/${rotation.newPeerId}`)),
    keyHistory: [...before.keyHistory.map(k => k.peerId === oldPeerId && k.validUntil == null ? { ...k, validUntil: at } : k), {
      peerId: rotation.newPeerId,
      validFrom: at,
      ...(rotation.courier != null ? { courier: rotation.courier } : {})
    }],
    updatedAt: at
  }
  // Move what is still queued for the old identity to the new one (same envelopes: the
  // rotated node accepts messages addressed to any identity it has had).
  const ops: BatchOp[] = []
  const pending = await store.pendingFor(oldPeerId, Number.MAX_SAFE_INTEGER)
  const records = pending.length > 0 ? await store.dlv.getMany(pending.map(p => p.digest + '!' + oldPeerId)) : []
  for (const r of records) {
    if (r == null || r.status !== 'pending') continue
    ops.push(...store.deliveryOps({ ...r, status: 'cancelled', reason: 'KEY_ROTATED', updatedAt: now.getTime() } satisfies DeliveryRecord, r))
    ops.push(...store.deliveryOps({ ...r, recipient: rotation.newPeerId, seq: store.nextSeq(), updatedAt: now.getTime() }))
  }
  ops.push(store.seqOp())
  ops.push(store.rotationOp({ ...rotation, status: 'applied', updatedAt: now.getTime() } satisfies PeerRotation))
  await trust.replace(before, after, 'peer.key-rotated', oldPeerId, ops, [
    auditEvents.keyRotated({ subject: 'peer', oldPeerId, newPeerId: rotation.newPeerId, statement: rotation.statementDigest })
  ])
  return after
}
