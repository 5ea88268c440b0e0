/**
 * The trust list: which agencies are peers. Kept in the store, mirrored in memory so the
 * connection gater and the receive pipeline decide without I/O. Changes apply at once and
 * emit `change` so the transport can drop connections of peers that lost trust.
 *
 * @module
 */
import { EventEmitter } from 'node:events'
import { assertAdmissiblePublicKey } from '../protocol/ed25519.ts'
import { publicKeyFromPeerId } from '../protocol/peer-id.ts'
import { verifyKeyFromPublicKey } from '../protocol/keys.ts'
import type { VerifyKey } from '../protocol/types.ts'
import { NodeError } from './errors.ts'
import type { Store } from './store/store.ts'
import type { PeerRecord } from './store/records.ts'
import { ProtocolError } from '../protocol/errors.ts'

export interface TrustListEvents {
  change: [peerId: string, record: PeerRecord | undefined]
}

export interface PeerInput {
  peerId: string
  name: string
  addresses?: string[]
}

export class TrustList extends EventEmitter<TrustListEvents> {
  private readonly store: Store
  private readonly peers = new Map<string, PeerRecord>()
  private readonly keys = new Map<string, VerifyKey>()

  private constructor (store: Store) {
    super()
    this.store = store
  }

  static async load (store: Store): Promise<TrustList> {
    const list = new TrustList(store)
    for (const record of await store.listPeers()) list.remember(record)
    return list
  }

  get (peerId: string): PeerRecord | undefined {
    return this.peers.get(peerId)
  }

  /** A peer that may exchange messages now. */
  isActive (peerId: string): boolean {
    return this.peers.get(peerId)?.status === 'active'
  }

  /** The verification key of a known peer (any status: old messages stay verifiable). */
  key (peerId: string): VerifyKey | undefined {
    return this.keys.get(peerId)
  }

  list (): PeerRecord[] {
    return [...this.peers.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  async add (input: PeerInput, now: Date = new Date()): Promise<PeerRecord> {
    const key = admit(input.peerId)
    if (this.peers.has(input.peerId)) throw new NodeError('PEER_EXISTS', `peer ${input.peerId} is already on the trust list`)
    const record: PeerRecord = {
      peerId: input.peerId,
      name: input.name,
      addresses: input.addresses ?? [],
      status: 'active',
      addedAt: now.toISOString(),
      updatedAt: now.toISOString()
    }
    await this.store.commit([this.store.peerOp(record)])
    this.keys.set(record.peerId, key)
    this.remember(record)
    this.emit('change', record.peerId, record)
    return record
  }

  async update (peerId: string, patch: Partial<Omit<PeerRecord, 'peerId' | 'addedAt'>>, now: Date = new Date()): Promise<PeerRecord> {
    const current = this.peers.get(peerId)
    if (current == null) throw new NodeError('NOT_FOUND', `peer ${peerId} is not on the trust list`)
    const record: PeerRecord = { ...current, ...patch, peerId, addedAt: current.addedAt, updatedAt: now.toISOString() }
    await this.store.commit([this.store.peerOp(record)])
    this.remember(record)
    this.emit('change', peerId, record)
    return record
  }

  async remove (peerId: string): Promise<void> {
    if (!this.peers.has(peerId)) throw new NodeError('NOT_FOUND', `peer ${peerId} is not on the trust list`)
    await this.store.commit([this.store.peerDelOp(peerId)])
    this.peers.delete(peerId)
    this.keys.delete(peerId)
    this.emit('change', peerId, undefined)
  }

  private remember (record: PeerRecord): void {
    this.peers.set(record.peerId, record)
    if (!this.keys.has(record.peerId)) this.keys.set(record.peerId, verifyKeyFromPublicKey(publicKeyFromPeerId(record.peerId)))
  }
}

/** Admission: a well-formed Ed25519 peer ID whose key is neither small-order nor non-canonical. */
export function admit (peerId: string): VerifyKey {
  try {
    const publicKey = publicKeyFromPeerId(peerId)
    assertAdmissiblePublicKey(publicKey)
    return verifyKeyFromPublicKey(publicKey)
  } catch (err) {
    if (err instanceof ProtocolError) throw new NodeError(err.code, `cannot admit ${peerId}: ${err.message}`, { cause: err })
    throw err
  }
}
