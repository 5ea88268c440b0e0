/**
 * The trust list: which agencies are peers and what may flow to and from each. Kept in the
 * store, mirrored in memory so the connection gater and the receive pipeline decide without
 * I/O. Changes apply at once and emit `change`, so the transport drops connections of peers
 * that lost trust and delivery lanes pause or resume.
 *
 * @module
 */
import { EventEmitter } from 'node:events'
import { assertAdmissiblePublicKey } from '../../protocol/ed25519.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import { verifyKeyFromPublicKey } from '../../protocol/keys.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import type { VerifyKey } from '../../protocol/types.ts'
import { NodeError } from '../errors.ts'
import { auditEvents } from '../audit/events.ts'
import type { Store, BatchOp, PeerRecord, PeerStatus } from '../store/index.ts'
import { defaultPeerPermissions, validatePeerFields, type PeerFields } from '../policy/index.ts'

export interface TrustListEvents {
  change: [peerId: string, record: PeerRecord | undefined, before: PeerRecord | undefined]
}

export interface PeerInput extends PeerFields {
  peerId: string
  name: string
}

export class TrustList extends EventEmitter<TrustListEvents> {
  private readonly store: Store
  private readonly peers = new Map<string, PeerRecord>()
  private readonly keys = new Map<string, VerifyKey>()
  /** Courier peer ID → peer ID of the record that announced it. */
  private readonly couriers = new Map<string, string>()

  private constructor (store: Store) {
    super()
    this.store = store
    this.setMaxListeners(0)
  }

  static async load (store: Store): Promise<TrustList> {
    const list = new TrustList(store)
    for (const record of await store.listPeers()) list.remember(upgrade(record))
    return list
  }

  get (peerId: string): PeerRecord | undefined {
    return this.peers.get(peerId)
  }

  /**
   * The record whose key history names `peerId` as a courier (any status: delivering a
   * certificate again to a peer that already acted on it is answered, not refused). The gate
   * admits such a connection for the revocation protocol only.
   */
  courierOf (peerId: string): PeerRecord | undefined {
    const owner = this.couriers.get(peerId)
    const record = owner != null ? this.peers.get(owner) : undefined
    return record?.keyHistory.some(k => k.courier === peerId) === true ? record : undefined
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

  /** `opts.courier`: the courier key the peer's trust card announced (PROTOCOL.md §9.1). */
  /** `opts.action` names the audit entry's action (default peer.added), e.g. for a card added without its fingerprint checked. */
  async add (input: PeerInput, now: Date = new Date(), opts: { courier?: string, action?: string } = {}): Promise<PeerRecord> {
    const key = admit(input.peerId)
    if (opts.courier != null) admit(opts.courier)
    if (this.peers.has(input.peerId)) throw new NodeError('PEER_EXISTS', `peer ${input.peerId} is already on the trust list`)
    const { peerId, ...rest } = input
    const fields = validatePeerFields(rest)
    const record: PeerRecord = {
      peerId,
      name: input.name,
      addresses: [],
      status: 'active',
      ...defaultPeerPermissions(),
      ...fields,
      keyHistory: [{ peerId, validFrom: now.toISOString(), ...(opts.courier != null ? { courier: opts.courier } : {}) }],
      addedAt: now.toISOString(),
      updatedAt: now.toISOString()
    }
    this.keys.set(peerId, key)
    await this.save(undefined, record, opts.action ?? 'peer.added')
    return record
  }

  /** Change editable fields (permissions, addresses, name, note…). */
  async update (peerId: string, patch: PeerFields, now: Date = new Date()): Promise<PeerRecord> {
    const current = this.require(peerId)
    const fields = validatePeerFields(patch)
    const record: PeerRecord = { ...current, ...fields, updatedAt: now.toISOString() }
    await this.save(current, record, 'peer.updated')
    return record
  }

  async setStatus (peerId: string, status: PeerStatus, now: Date = new Date(), extraOps: BatchOp[] = []): Promise<PeerRecord> {
    const current = this.require(peerId)
    if (current.status === 'revoked' && status !== 'revoked') {
      throw new NodeError(
        'PEER_REVOKED',
        `${current.name} is revoked; revocation is permanent (add the agency again under a new key if trust is re-established)`
      )
    }
    const record: PeerRecord = { ...current, status, updatedAt: now.toISOString() }
    await this.save(current, record, status === 'active' ? 'peer.resumed' : status === 'suspended' ? 'peer.suspended' : 'peer.revoked', extraOps)
    return record
  }

  async remove (peerId: string): Promise<void> {
    const current = this.require(peerId)
    await this.save(current, undefined, 'peer.removed')
    this.keys.delete(peerId)
  }

  /** Replace a record wholesale (key rotation re-keys a peer). */
  async replace (before: PeerRecord, after: PeerRecord, action: string, remove?: string, extraOps: BatchOp[] = [], events: unknown[] = []): Promise<void> {
    const ops: BatchOp[] = [...(remove != null ? [this.store.peerDelOp(remove)] : []), ...extraOps]
    this.keys.set(after.peerId, admit(after.peerId))
    await this.save(before, after, action, ops, events)
    if (remove != null && remove !== after.peerId) {
      this.peers.delete(remove)
      this.emit('change', remove, undefined, before)
    }
  }

  /**
   * Read one record back from the store after a write that bypassed this list (an address
   * update applied in the receive pipeline's own synced write) and announce the change.
   */
  async refresh (peerId: string): Promise<PeerRecord | undefined> {
    const before = this.peers.get(peerId)
    const after = await this.store.getPeer(peerId)
    if (after == null) return undefined
    this.remember(upgrade(after))
    this.emit('change', peerId, after, before)
    return after
  }

  private require (peerId: string): PeerRecord {
    const current = this.peers.get(peerId)
    if (current == null) throw new NodeError('NOT_FOUND', `peer ${peerId} is not on the trust list`)
    return current
  }

  private async save (
    before: PeerRecord | undefined,
    after: PeerRecord | undefined,
    action: string,
    extraOps: BatchOp[] = [],
    events: unknown[] = []
  ): Promise<void> {
    const peerId = (after ?? before as PeerRecord).peerId
    const ops: BatchOp[] = [after != null ? this.store.peerOp(after) : this.store.peerDelOp(peerId), ...extraOps]
    await this.store.commit(ops, [auditEvents.trustChanged({ peerId, before, after, action }), ...events])
    if (after != null) this.remember(after)
    else this.peers.delete(peerId)
    this.emit('change', peerId, after, before)
  }

  private remember (record: PeerRecord): void {
    this.peers.set(record.peerId, record)
    if (!this.keys.has(record.peerId)) this.keys.set(record.peerId, verifyKeyFromPublicKey(publicKeyFromPeerId(record.peerId)))
    for (const old of record.keyHistory) {
      if (old.courier != null) this.couriers.set(old.courier, record.peerId)
      if (!this.keys.has(old.peerId)) this.keys.set(old.peerId, verifyKeyFromPublicKey(publicKeyFromPeerId(old.peerId)))
    }
  }
}

/** Records stored before permissions existed get the defaults. */
function upgrade (record: PeerRecord): PeerRecord {
  const history = record.keyHistory ?? [{ peerId: record.peerId, validFrom: record.addedAt }]
  return { ...defaultPeerPermissions(), ...record, keyHistory: history }
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
