/**
 * `liaison keys revoke`: deliver a revocation kit's certificate to every peer it lists, from any
 * machine, with the revoked node itself gone. A transient libp2p node (TCP, Noise, Yamux, no
 * listener) authenticates as the kit's courier key, dials each peer, opens
 * `/liaison/revoke/1.0.0`, sends the certificate and checks the peer's signed receipt.
 *
 * Per peer: `delivered` (a receipt, signed by that peer, accepting this certificate),
 * `refused` (a signed receipt rejecting it, with its reason code, or a peer that closed the
 * stream — it does not know the courier), `unreachable` (no connection to any listed address).
 *
 * @module
 */
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { encodeFrame } from '../../protocol/frame.ts'
import { openRevocation, REVOKE_PROTOCOL } from '../../protocol/revocation.ts'
import { verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { decodeEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { openReceipt, streamFrames } from '../exchange/index.ts'
import { dialTargets } from '../addresses/dial-targets.ts'
import { NodeError } from '../errors.ts'
import { DEFAULT_COURIER_DELIVERY_TIMEOUT_MS } from '../defaults.ts'
import { courierSeed, type KitPeer, type RevocationKit } from './kit.ts'

export type DeliveryStatus = 'delivered' | 'refused' | 'unreachable'

export interface PeerDelivery {
  peerId: string
  name: string
  status: DeliveryStatus
  /** The reason code of a refusal, or what failed. */
  reason?: string
  detail?: string
  /** The peer's signed receipt (envelope JSON text), when one came back. */
  receipt?: string
}

export interface DeliverOptions {
  /** Per peer: dial, send and receipt (default 15 s). */
  timeoutMs?: number
  /** Deliver these bytes instead of the kit's certificate (tests: a peer refuses a tampered one). */
  certificate?: Uint8Array
}

export const DEFAULT_DELIVERY_TIMEOUT_MS = DEFAULT_COURIER_DELIVERY_TIMEOUT_MS

/**
 * Deliver the kit's certificate to every peer it lists, at once. The certificate is checked
 * first (a tampered kit is refused here, before anything is sent: BAD_SIGNATURE).
 */
export async function deliverRevocation (kit: RevocationKit, opts: DeliverOptions = {}): Promise<PeerDelivery[]> {
  const certificate = opts.certificate ?? new TextEncoder().encode(kit.certificate)
  let digest: string
  if (opts.certificate == null) {
    try {
      const opened = openRevocation(certificate)
      if (opened.revocation.peerId !== kit.peerId) {
        throw new ProtocolError('SIGNER_MISMATCH', `the kit's certificate revokes ${opened.revocation.peerId}, not ${kit.peerId}`)
      }
      digest = opened.digest
    } catch (err) {
      if (err instanceof ProtocolError) throw new NodeError(err.code, `the kit's revocation certificate is invalid: ${err.message}`, { cause: err })
      throw err
    }
  } else {
    digest = openRevocationDigest(certificate)
  }
  const node = await courierNode(courierSeed(kit))
  try {
    return await Promise.all(kit.peers.map(async peer => await deliverTo(node, peer, certificate, digest, opts.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS)))
  } finally {
    await node.stop()
  }
}

/**
 * The digest a peer's receipt names for bytes that may not be a valid certificate: the
 * envelope's, when they decode as one (as the peer computes it, node/courier/serve-revoke.ts).
 */
function openRevocationDigest (bytes: Uint8Array): string {
  try {
    return envelopeDigest(decodeEnvelope(bytes))
  } catch {
    return '0'.repeat(64)
  }
}

/** A libp2p node with the courier key that only dials out. */
export async function courierNode (seed: Uint8Array): Promise<Libp2p> {
  return await createLibp2p({
    privateKey: await generateKeyPairFromSeed('Ed25519', seed),
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

async function deliverTo (node: Libp2p, peer: KitPeer, certificate: Uint8Array, digest: string, timeoutMs: number): Promise<PeerDelivery> {
  const base = { peerId: peer.peerId, name: peer.name }
  if (peer.addresses.length === 0) return { ...base, status: 'unreachable', detail: 'the kit lists no address for this peer' }
  const signal = AbortSignal.timeout(timeoutMs)
  let stream: Stream
  try {
    const connection = await node.dial(dialTargets(peer.peerId, peer.addresses), { signal })
    try {
      stream = await connection.newStream(REVOKE_PROTOCOL, { signal })
    } catch (err) {
      return { ...base, status: 'refused', detail: `the peer refused the revocation stream: ${(err as Error).message ?? (err as Error).name ?? String(err)}` }
    }
  } catch (err) {
    return { ...base, status: 'unreachable', detail: `${peer.addresses.join(' ')}: ${(err as Error).message}` }
  }
  try {
    if (!stream.send(encodeFrame(certificate))) await stream.onDrain({ signal })
    const bytes = await streamFrames(stream, 16 * 1024).next(signal)
    if (bytes == null) return { ...base, status: 'refused', detail: 'the peer closed the stream without a receipt' }
    const receipt = openReceipt(bytes, verifyKeyFromPeerId(peer.peerId), digest)
    const text = new TextDecoder().decode(bytes)
    await stream.close().catch(() => {})
    if (receipt.status === 'accepted') return { ...base, status: 'delivered', receipt: text }
    return { ...base, status: 'refused', ...(receipt.reason != null ? { reason: receipt.reason } : {}), receipt: text }
  } catch (err) {
    stream.abort(err as Error)
    if (err instanceof ProtocolError) return { ...base, status: 'refused', reason: err.code, detail: `invalid receipt: ${err.message}` }
    return { ...base, status: 'refused', detail: (err as Error).message }
  }
}
