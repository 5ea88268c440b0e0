/**
 * Trust-list administration beyond the record itself: what suspension and revocation do to
 * queued messages, and introducing peers with trust cards.
 *
 * @module
 */
import { signEnvelope, encodeEnvelope, decodeEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { encodeCard, parseCard, type CardV1 } from '../../protocol/card.ts'
import { keyFingerprint } from '../../protocol/fingerprint.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import { verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES, type Signer } from '../../protocol/types.ts'
import { NodeError } from '../errors.ts'
import type { Store, BatchOp, DeliveryRecord, PeerStatus, PeerRecord } from '../store/index.ts'
import type { TrustList } from './trust-list.ts'

/** Change a peer's status. Revocation cancels everything still queued for it, atomically. */
export async function setPeerStatus (
  store: Store,
  trust: TrustList,
  peerId: string,
  status: PeerStatus,
  now: Date
): Promise<{ record: PeerRecord, cancelled: DeliveryRecord[] }> {
  const cancelled: DeliveryRecord[] = []
  const ops: BatchOp[] = []
  if (status === 'revoked') {
    const pending = await store.pendingFor(peerId, Number.MAX_SAFE_INTEGER)
    const records = pending.length > 0 ? await store.dlv.getMany(pending.map(p => p.digest + '!' + peerId)) : []
    for (const r of records) {
      if (r == null || r.status !== 'pending') continue
      const next: DeliveryRecord = { ...r, status: 'cancelled', reason: 'PEER_REVOKED', updatedAt: now.getTime() }
      ops.push(...store.deliveryOps(next, r))
      cancelled.push(next)
    }
  }
  const record = await trust.setStatus(peerId, status, now, ops)
  return { record, cancelled }
}

export interface CardExport {
  envelope: string
  fingerprint: string
  card: CardV1
}

export function exportCard (
  signer: Signer,
  info: { name: string, jurisdiction?: string, addresses: string[], courier?: string, oprfKey?: { publicKey: string, keyId: string } },
  now: Date
): CardExport {
  const card: CardV1 = { v: 1, peerId: signer.peerId, name: info.name, addresses: info.addresses, created: now.toISOString() }
  if (info.jurisdiction != null) card.jurisdiction = info.jurisdiction
  if (info.courier != null) card.courier = info.courier
  if (info.oprfKey != null) card.oprfKey = info.oprfKey
  const envelope = Buffer.from(encodeEnvelope(signEnvelope(PAYLOAD_TYPES.card, encodeCard(card), signer))).toString('utf8')
  return { envelope, fingerprint: keyFingerprint(signer.publicKey), card }
}

/** Check a card's self-signature; returns the card and the fingerprint to confirm. */
export function openCard (text: string): { card: CardV1, fingerprint: string } {
  try {
    const env = decodeEnvelope(new TextEncoder().encode(text.trim()))
    if (env.payloadType !== PAYLOAD_TYPES.card) throw new ProtocolError('BAD_PAYLOAD_TYPE', `not a trust card: ${env.payloadType}`)
    const card = parseCard(env.payload)
    if (!verifyEnvelope(env, verifyKeyFromPeerId(card.peerId))) throw new ProtocolError('BAD_SIGNATURE', `the card is not signed by the key of ${card.peerId}`)
    return { card, fingerprint: keyFingerprint(publicKeyFromPeerId(card.peerId)) }
  } catch (err) {
    if (err instanceof ProtocolError) throw new NodeError(err.code, `invalid trust card: ${err.message}`, { cause: err })
    throw err
  }
}
