/**
 * Telling peers where this node now listens: one address update (protocol/address-update.ts),
 * signed with the node's key, queued in the outbox for every active peer like any message
 * (durable, retried, receipted, audited as `message.sent`). Peers apply it to their trust list
 * on receipt (node/exchange/handle-address-update.ts).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { encodeAddressUpdate, type AddressUpdateV1 } from '../../protocol/address-update.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { PAYLOAD_TYPES, type Signer } from '../../protocol/types.ts'
import type { MessageMeta } from '../store/index.ts'
import type { TrustList } from '../trust/index.ts'
import type { Outbox } from '../exchange/index.ts'
import { ADDRESS_UPDATE_TTL_MS } from '../defaults.ts'

export interface AnnounceComponents {
  signer: Signer
  trust: TrustList
  outbox: Outbox
  now: () => Date
}

/** Queue a signed address update for every active peer; returns the peers it was queued for. */
export async function announceAddresses (c: AnnounceComponents, addresses: string[]): Promise<{ update: AddressUpdateV1, digest: string, peers: string[] }> {
  const now = c.now()
  const update: AddressUpdateV1 = { v: 1, id: uuidV7(now.getTime(), randomBytes(10)), peerId: c.signer.peerId, addresses, created: now.toISOString() }
  const env = signEnvelope(PAYLOAD_TYPES.addressUpdate, encodeAddressUpdate(update), c.signer)
  const digest = envelopeDigest(env)
  const peers = c.trust.list().filter(p => p.status === 'active').map(p => p.peerId)
  if (peers.length > 0) {
    const meta: MessageMeta = {
      digest,
      id: update.id,
      payloadType: PAYLOAD_TYPES.addressUpdate,
      direction: 'out',
      from: c.signer.peerId,
      to: peers,
      kind: 'alert',
      tlp: 'CLEAR',
      topic: 'address-update',
      legalBasis: 'liaison',
      handling: [],
      created: update.created,
      expires: new Date(now.getTime() + ADDRESS_UPDATE_TTL_MS).toISOString(),
      storedAt: now.getTime()
    }
    await c.outbox.enqueue(meta, encodeEnvelope(env), peers)
  }
  return { update, digest, peers }
}
