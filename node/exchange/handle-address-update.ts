/**
 * Inbound address update: the authenticated peer says where it can now be dialled. Applied to
 * its trust record in the same synced write that stores the statement and its receipt, and
 * audited there (`peer.updated`, action `peer.addresses-updated`), so the record never holds
 * addresses no stored statement vouches for. Accepted only when it is the peer's own (its
 * `peerId` is the authenticated remote, the envelope verified under that key before this
 * handler runs), not from the future beyond the allowed skew, and strictly newer than the last
 * update applied for that peer (`STALE_UPDATE` otherwise: an old statement replayed cannot
 * move a peer back to addresses it left).
 *
 * @module
 */
import { parseAddressUpdate, type AddressUpdateV1 } from '../../protocol/address-update.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { auditEvents } from '../audit/events.ts'
import type { PeerRecord } from '../store/index.ts'
import { refuse, type Admission, type Incoming } from './admission.ts'
import { ADDRESS_UPDATE_RETENTION_MS } from '../defaults.ts'

export function handleAddressUpdate (incoming: Incoming): Admission {
  let u: AddressUpdateV1
  try {
    u = parseAddressUpdate(incoming.env.payload)
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID')
  }
  if (u.peerId !== incoming.remote) return refuse('SIGNER_MISMATCH', u.id, `an address update for ${u.peerId} must come from that peer, not ${incoming.remote}`)
  const created = Date.parse(u.created)
  if (created > incoming.nowMs + incoming.policy.clockSkewMs) return refuse('CLOCK_SKEW', u.id)
  const before = incoming.trust.get(u.peerId)
  if (before == null) return refuse('UNKNOWN_SIGNER', u.id)
  const last = before.addressUpdate
  if (last != null && created <= Date.parse(last.created)) {
    return refuse('STALE_UPDATE', u.id, `created ${u.created}, not after the update already applied (${last.created})`)
  }
  const after: PeerRecord = {
    ...before,
    addresses: u.addresses.map(a => `${a}/p2p/${u.peerId}`),
    addressUpdate: { id: u.id, created: u.created, digest: incoming.digest },
    updatedAt: new Date(incoming.nowMs).toISOString()
  }
  return {
    ok: true,
    meta: {
      digest: incoming.digest,
      id: u.id,
      payloadType: PAYLOAD_TYPES.addressUpdate,
      direction: 'in',
      from: u.peerId,
      to: [incoming.self.peerId],
      kind: 'alert',
      tlp: 'CLEAR',
      topic: 'address-update',
      legalBasis: 'liaison',
      handling: [],
      created: u.created,
      expires: new Date(created + ADDRESS_UPDATE_RETENTION_MS).toISOString(),
      storedAt: incoming.nowMs
    },
    ops: [incoming.store.peerOp(after)],
    events: [auditEvents.trustChanged({ peerId: u.peerId, before, after, action: 'peer.addresses-updated' })]
  }
}
