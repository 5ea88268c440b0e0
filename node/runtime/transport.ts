/**
 * libp2p for a Liaison node: TCP, Noise, Yamux, and a connection gater that closes the node
 * to everyone not active on the trust list — checked right after the Noise handshake has
 * authenticated the remote key, inbound and outbound, and before any dial.
 *
 * One exception, inbound only: the courier key a peer announced (trust card or rotation
 * statement, PROTOCOL.md §9.1) is admitted, and every stream on a connection whose remote is
 * not an active peer is refused unless it is the revocation protocol — enforced here, for
 * every protocol handler registered on the node, present or future.
 *
 * @module
 */
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { TrustList } from '../trust/index.ts'
import { DEFAULT_COURIER_CONNECTION_MS, DEFAULT_INBOUND_CONNECTIONS_PER_HOST, DEFAULT_MAX_CONNECTIONS } from '../defaults.ts'
import { REVOKE_PROTOCOL } from '../../protocol/revocation.ts'

export interface TransportInit {
  seed: Uint8Array
  listen: string[]
  maxConnections?: number
  /** New inbound connections per second from one IP address (default: DEFAULT_INBOUND_CONNECTIONS_PER_HOST). */
  inboundConnectionsPerHost?: number
}

export interface TransportComponents {
  trust: TrustList
  logger: Logger
}

/** The gater: every decision reads the in-memory trust list, no I/O. */
export function trustGater (trust: TrustList, logger: Logger): ConnectionGater {
  const deny = (direction: string) => (peerId: PeerId): boolean => {
    const id = peerId.toString()
    if (trust.isActive(id)) return false
    // A courier is admitted inbound only, and never when the key is itself a peer's (a record
    // naming another agency's key as its courier does not reopen the gate to a suspended one).
    if (direction === 'inbound' && trust.get(id) == null && trust.courierOf(id) != null) {
      logger.info({ peer: id, courierOf: trust.courierOf(id)?.peerId }, 'courier connection admitted (revocation protocol only)')
      return false
    }
    logger.warn({ peer: id, direction }, 'connection refused: peer is not active on the trust list')
    return true
  }
  return {
    denyDialPeer: deny('dial'),
    denyInboundEncryptedConnection: deny('inbound'),
    denyOutboundEncryptedConnection: deny('outbound')
  }
}

/**
 * Wrap every protocol handler of `node` so that a stream from a remote that is not an active
 * peer (an admitted courier) is aborted at once, unless it is the revocation protocol.
 */
export function guardStreams (node: Libp2p, trust: TrustList, logger: Logger): void {
  const handle = node.handle.bind(node)
  node.handle = async (protocols, handler, options) => {
    const list = Array.isArray(protocols) ? protocols : [protocols]
    const open = list.length === 1 && list[0] === REVOKE_PROTOCOL
    await handle(protocols, async (stream, connection) => {
      const remote = connection.remotePeer.toString()
      if (!open && !trust.isActive(remote)) {
        logger.warn({ peer: remote, protocol: stream.protocol }, 'stream refused: a courier connection may only deliver revocation certificates')
        stream.abort(new Error('refused: not an active peer'))
        return
      }
      await handler(stream, connection)
    }, options)
  }
}

export async function createTransport (components: TransportComponents, init: TransportInit): Promise<Libp2p> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', init.seed)
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: trustGater(components.trust, components.logger),
    connectionManager: {
      maxConnections: init.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      inboundConnectionThreshold: init.inboundConnectionsPerHost ?? DEFAULT_INBOUND_CONNECTIONS_PER_HOST
    }
  })
  guardStreams(node, components.trust, components.logger)
  // A courier connection is short-lived: closed after DEFAULT_COURIER_CONNECTION_MS whatever it does.
  node.addEventListener('connection:open', (evt) => {
    const connection = evt.detail
    if (components.trust.isActive(connection.remotePeer.toString())) return
    setTimeout(() => {
      connection.close().catch(() => {})
    }, DEFAULT_COURIER_CONNECTION_MS).unref()
  })
  // A peer that loses trust is disconnected at once.
  components.trust.on('change', (peerId, record) => {
    if (record == null || record.status !== 'active') {
      node.hangUp(peerIdFromString(peerId)).catch((err: unknown) => {
        components.logger.warn({ err, peer: peerId }, 'hang-up failed')
      })
    }
  })
  return node
}
