/**
 * The join between the audit log and the store, built by `verify` from both sides in whatever
 * order they are read: one record per stored thing — a message (digest, slot 0) or a receipt
 * (digest, slot 1 + index of the peer that signed it) — with what the leaves say about it and
 * what the store holds. Open addressing over typed arrays: about 170 bytes per record, no
 * per-record JavaScript objects, so millions of messages fit. Hashes are written straight into
 * its buffers: node:crypto's one-shot `hash` asked for a Buffer allocates one per call, which at
 * a few million small hashes costs twice the hashing; a latin1 string written into place does not.
 *
 * @module
 */
import { hash } from 'node:crypto'

// What the log says (leaf flags).
export const LEAF_MESSAGE = 1
export const LEAF_OUT = 2
export const LEAF_PURGE = 4
export const LEAF_RECEIPT = 8
export const LEAF_REPEATED = 16
// What the store holds (store flags).
export const HAS_META = 1
export const META_OUT = 2
export const META_PURGED = 4
export const HAS_ENVELOPE = 8
export const ENVELOPE_CHECKED = 16
export const HAS_RECEIPT = 32

const HEX = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i

/**
 * Decode 64 lowercase hex digits into `out` (32 bytes) and return it; Buffer.from(hex) allocates
 * a Buffer per call, which dominates when it runs for every entry. Non-hex input yields bytes
 * that match nothing (callers validate digests first).
 */
export function hexInto (hex: string, out: Uint8Array, at = 0): Uint8Array {
  for (let i = 0; i < 32; i++) out[at + i] = (HEX[hex.charCodeAt(2 * i) & 0x7f] << 4) | HEX[hex.charCodeAt(2 * i + 1) & 0x7f]
  return out
}

/** SHA-256 of `data` (bytes, or a string hashed as UTF-8) into out[at, at + length) (length ≤ 32: a prefix). */
export function sha256Into (data: Uint8Array | string, out: Buffer, at: number, length = 32): void {
  out.write(hash('sha256', data, 'binary'), at, length, 'latin1')
}

export class RecordTable {
  private slots: Int32Array
  private mask: number
  count = 0
  private capacity: number
  digests: Buffer
  slotOf: Uint32Array
  leafFlags: Uint8Array
  storeFlags: Uint8Array
  leafIndex: Float64Array
  /** Expiry (epoch ms) from the message leaf. */
  expires: Float64Array
  /** Peer table index of the message's `from` per the leaf (messages) and per the index record. */
  leafPeer: Int32Array
  metaPeer: Int32Array
  leafSha: Buffer
  storedSha: Buffer
  /** First 16 bytes of the index tuple (index-tuple.ts) per the leaf and per the index record. */
  leafTuple: Buffer
  metaTuple: Buffer
  /** The peer table (index → peer ID) that slots and `leafPeer`/`metaPeer` refer to. */
  readonly peers: string[] = []
  private readonly peerIndex = new Map<string, number>()
  private readonly scratch = new Uint8Array(32)

  constructor (capacity = 1 << 16) {
    this.capacity = capacity
    this.slots = new Int32Array(2 * capacity).fill(-1)
    this.mask = 2 * capacity - 1
    this.digests = Buffer.alloc(32 * capacity)
    this.slotOf = new Uint32Array(capacity)
    this.leafFlags = new Uint8Array(capacity)
    this.storeFlags = new Uint8Array(capacity)
    this.leafIndex = new Float64Array(capacity)
    this.expires = new Float64Array(capacity)
    this.leafPeer = new Int32Array(capacity)
    this.metaPeer = new Int32Array(capacity)
    this.leafSha = Buffer.alloc(32 * capacity)
    this.storedSha = Buffer.alloc(32 * capacity)
    this.leafTuple = Buffer.alloc(16 * capacity)
    this.metaTuple = Buffer.alloc(16 * capacity)
  }

  /** The table index of a peer ID, adding it if new. */
  peer (peerId: string): number {
    let index = this.peerIndex.get(peerId)
    if (index === undefined) this.peerIndex.set(peerId, index = this.peers.push(peerId) - 1)
    return index
  }

  private hashOf (digest: Uint8Array, slot: number): number {
    return ((digest[0] | (digest[1] << 8) | (digest[2] << 16) | (digest[3] << 24)) ^ Math.imul(slot, 0x9e3779b1)) >>> 0
  }

  /** The record of (digest, slot), created empty if new. `digest` is 32 raw bytes. */
  record (digest: Uint8Array, slot: number): number {
    let pos = this.hashOf(digest, slot) & this.mask
    for (let r = this.slots[pos]; r !== -1; r = this.slots[pos]) {
      if (this.slotOf[r] === slot && this.digests.compare(digest, 0, 32, 32 * r, 32 * r + 32) === 0) return r
      pos = (pos + 1) & this.mask
    }
    if (this.count === this.capacity) {
      this.grow()
      return this.record(digest, slot)
    }
    const r = this.count++
    this.digests.set(digest, r * 32)
    this.slotOf[r] = slot
    this.slots[pos] = r
    return r
  }

  /** Same, from a lowercase hex digest. */
  recordHex (digest: string, slot: number): number {
    return this.record(hexInto(digest, this.scratch), slot)
  }

  digestHex (record: number): string {
    return this.digests.toString('hex', record * 32, record * 32 + 32)
  }

  digestBytes (record: number): Uint8Array {
    return this.digests.subarray(record * 32, record * 32 + 32)
  }

  shaEqual (r: number): boolean {
    return this.leafSha.compare(this.storedSha, 32 * r, 32 * r + 32, 32 * r, 32 * r + 32) === 0
  }

  tupleEqual (r: number): boolean {
    return this.leafTuple.compare(this.metaTuple, 16 * r, 16 * r + 16, 16 * r, 16 * r + 16) === 0
  }

  /** Twice the capacity: every column copied, the slots rebuilt. */
  private grow (): void {
    const twice = <T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(a: T): T => {
      const next = a instanceof Buffer ? Buffer.alloc(2 * a.length) : new (a.constructor as new(n: number) => T)(2 * a.length)
      next.set(a)
      return next as T
    }
    this.digests = twice(this.digests)
    this.slotOf = twice(this.slotOf)
    this.leafFlags = twice(this.leafFlags)
    this.storeFlags = twice(this.storeFlags)
    this.leafIndex = twice(this.leafIndex)
    this.expires = twice(this.expires)
    this.leafPeer = twice(this.leafPeer)
    this.metaPeer = twice(this.metaPeer)
    this.leafSha = twice(this.leafSha)
    this.storedSha = twice(this.storedSha)
    this.leafTuple = twice(this.leafTuple)
    this.metaTuple = twice(this.metaTuple)
    this.capacity *= 2
    this.slots = new Int32Array(2 * this.capacity).fill(-1)
    this.mask = 2 * this.capacity - 1
    for (let r = 0; r < this.count; r++) {
      let pos = this.hashOf(this.digestBytes(r), this.slotOf[r]) & this.mask
      while (this.slots[pos] !== -1) pos = (pos + 1) & this.mask
      this.slots[pos] = r
    }
  }
}

/**
 * An order-independent fingerprint of a set of keys (four 32-bit lane sums of FNV-style
 * mixes): `verify` compares the keys a derived index should hold, computed from the leaves,
 * with the keys it holds: this catches an index that disagrees with the log.
 */
export class SetFingerprint {
  private readonly lanes = new Uint32Array(4)
  count = 0

  add (key: string): void {
    let a = 0x811c9dc5
    let b = 0x01000193
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i)
      a = Math.imul(a ^ c, 0x01000193)
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13)
    }
    this.lanes[0] += a
    this.lanes[1] += b
    this.lanes[2] += Math.imul(a ^ (b >>> 7), 0x85ebca6b)
    this.lanes[3] += Math.imul(b ^ (a >>> 11), 0xc2b2ae35)
    this.count++
  }

  equals (other: SetFingerprint): boolean {
    return this.count === other.count && this.lanes.every((v, i) => v === other.lanes[i])
  }
}
