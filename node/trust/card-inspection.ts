/**
 * What a trust card says, before anyone adds it: the operator sees the agency's name, peer ID,
 * the fingerprint to compare over a separate channel, the card's date and every key it
 * introduces — and whether the peer is already on the trust list — without the card touching
 * the trust list (`liaison card inspect`, `POST /v1/cards/inspect`, the console's preview).
 *
 * Only a card whose self-signature verifies is described (openCard); anything else is refused
 * with the same stable code as adding it would be. Adding still needs the fingerprint typed
 * back (LocalService.addPeerFromCard): seeing it here is no confirmation.
 *
 * @module
 */
import type { CardV1 } from '../../protocol/card.ts'
import { keyFingerprint } from '../../protocol/fingerprint.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import type { PeerRecord } from '../store/records.ts'
import { openCard } from './peer-admin.ts'

/** One key a card introduces. */
export interface CardKey {
  /** identity: signs everything of this node; courier: may deliver its revocation (PROTOCOL.md §9.1); oprf: answers hit/no-hit queries (§19.2). */
  role: 'identity' | 'courier' | 'oprf'
  /** The peer ID (Ed25519 keys) or the key id (the OPRF key). */
  id: string
  /** Ed25519 keys only: the fingerprint of the key. */
  fingerprint?: string
}

export interface CardInspection {
  card: CardV1
  /** Fingerprint of the identity key: compare it with the agency over a separate channel. */
  fingerprint: string
  /** The card's self-signature verified under the key of card.peerId (a card that does not is refused, never described). */
  signature: 'valid'
  keys: CardKey[]
  /** The record of this peer ID if it is on the trust list already (then adding it again is refused). */
  known?: { name: string, status: PeerRecord['status'] }
}

export function inspectCard (text: string, lookup: (peerId: string) => PeerRecord | undefined): CardInspection {
  const { card, fingerprint } = openCard(text)
  const keys: CardKey[] = [{ role: 'identity', id: card.peerId, fingerprint }]
  if (card.courier != null) keys.push({ role: 'courier', id: card.courier, fingerprint: keyFingerprint(publicKeyFromPeerId(card.courier)) })
  if (card.oprfKey != null) keys.push({ role: 'oprf', id: card.oprfKey.keyId })
  const record = lookup(card.peerId)
  return { card, fingerprint, signature: 'valid', keys, ...(record != null ? { known: { name: record.name, status: record.status } } : {}) }
}
