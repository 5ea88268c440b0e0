/**
 * Where to dial a trusted peer: the addresses on its trust record, each ending in
 * `/p2p/<peerId>` so libp2p checks that the peer it reaches is the one it meant. Used by every
 * part that opens a stream to a peer (outbox, witness, gossip, queries, couriers, approval
 * notices), so it lives with the addresses rather than with the transport.
 *
 * @module
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

/** Dial targets for a trusted peer: its addresses, each with /p2p/<peerId>. */
export function dialTargets (peerId: string, addresses: string[]): Multiaddr[] {
  return addresses.map(a => {
    const ma = multiaddr(a)
    return ma.getComponents().some(c => c.name === 'p2p') ? ma : ma.encapsulate(`/p2p/${peerId}`)
  })
}
