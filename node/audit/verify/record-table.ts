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

  private readonly scratch = new Uint8Array(32)

  constructor (initial = 1 << 16) {
    this.capacity = initial
    this.slots = new Int32Array(initial * 2).fill(-1)
    this.mask = initial * 2 - 1
    this.digests = Buffer.alloc(32 * initial)
    this.slotOf = new Uint32Array(initial)
    this.leafFlags = new Uint8Array(initial)
    this.storeFlags = new Uint8Array(initial)
    this.leafIndex = new Float64Array(initial).fill(-1)
    this.expires = new Float64Array(initial)
    this.leafPeer = new Int32Array(initial).fill(-1)
    this.metaPeer = new Int32Array(initial).fill(-1)
    this.leafSha = Buffer.alloc(32 * initial)
    this.storedSha = Buffer.alloc(32 * initial)
    this.leafTuple = Buffer.alloc(16 * initial)
    this.metaTuple = Buffer.alloc(16 * initial)
  }

  private hashOf (digest: Uint8Array, slot: number): number {
    return ((digest[0] | (digest[1] << 8) | (digest[2] << 16) | (digest[3] << 24)) ^ Math.imul(slot, 0x9e3779b1)) >>> 0
  }

  private equal (record: number, digest: Uint8Array, slot: number): boolean {
    if (this.slotOf[record] !== slot) return false
    const base = record * 32
    for (let i = 0; i < 32; i++) if (this.digests[base + i] !== digest[i]) return false
    return true
  }

  /** The record of (digest, slot), created empty if new. `digest` is 32 raw bytes. */
  record (digest: Uint8Array, slot: number): number {
    let pos = this.hashOf(digest, slot) & this.mask
    while (true) {
      const r = this.slots[pos]
      if (r === -1) break
      if (this.equal(r, digest, slot)) return r
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

  shaEqual (record: number): boolean {
    const base = record * 32
    for (let i = 0; i < 32; i++) if (this.leafSha[base + i] !== this.storedSha[base + i]) return false
    return true
  }

  tupleEqual (record: number): boolean {
    const base = record * 16
    for (let i = 0; i < 16; i++) if (this.leafTuple[base + i] !== this.metaTuple[base + i]) return false
    return true
  }

  private grow (): void {
    const cap = this.capacity * 2
    const copy = <T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(a: T, size: number, fill?: number): T => {
      const next = new (a.constructor as new(n: number) => T)(size)
      if (fill !== undefined) next.fill(fill)
      next.set(a)
      return next
    }
    const grown = (b: Buffer, size: number): Buffer => {
      const next = Buffer.alloc(size)
      b.copy(next)
      return next
    }
    this.digests = grown(this.digests, 32 * cap)
    this.slotOf = copy(this.slotOf, cap)
    this.leafFlags = copy(this.leafFlags, cap)
    this.storeFlags = copy(this.storeFlags, cap)
    this.leafIndex = copy(this.leafIndex, cap, -1)
    this.expires = copy(this.expires, cap)
    this.leafPeer = copy(this.leafPeer, cap, -1)
    this.metaPeer = copy(this.metaPeer, cap, -1)
    this.leafSha = grown(this.leafSha, 32 * cap)
    this.storedSha = grown(this.storedSha, 32 * cap)
    this.leafTuple = grown(this.leafTuple, 16 * cap)
    this.metaTuple = grown(this.metaTuple, 16 * cap)
    this.capacity = cap
    this.slots = new Int32Array(cap * 2).fill(-1)
    this.mask = cap * 2 - 1
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
