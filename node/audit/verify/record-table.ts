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

/** Flags: what the leaves say about a record, and what the store holds. */
export const LEAF = { message: 1, out: 2, purge: 4, receipt: 8, repeated: 16 } as const
export const STORED = { meta: 1, out: 2, purged: 4, envelope: 8, checked: 16, receipt: 32 } as const

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

type Column = Buffer | Uint8Array | Uint32Array | Int32Array | Float64Array
/** A column of `n` records, holding `prev`'s values if given. */
function column<T extends Column> (next: T, prev?: T): T {
  if (prev !== undefined) next.set(prev)
  return next
}

export class RecordTable {
  private slots!: Int32Array
  count = 0
  private capacity: number
  digests!: Buffer
  slotOf!: Uint32Array
  leafFlags!: Uint8Array
  storeFlags!: Uint8Array
  leafIndex!: Float64Array
  /** Expiry (epoch ms) from the message leaf. */
  expires!: Float64Array
  /** Peer table index of the message's `from` per the leaf (messages) and per the index record. */
  leafPeer!: Int32Array
  metaPeer!: Int32Array
  leafSha!: Buffer
  storedSha!: Buffer
  /** First 16 bytes of the index tuple (index-tuple.ts) per the leaf and per the index record. */
  leafTuple!: Buffer
  metaTuple!: Buffer
  /** The peer table (index → peer ID) that slots and `leafPeer`/`metaPeer` refer to. */
  readonly peers: string[] = []
  private readonly peerIndex = new Map<string, number>()
  private readonly scratch = new Uint8Array(32)

  constructor (capacity = 1 << 16) {
    this.capacity = capacity
    this.alloc()
  }

  /** Columns for `capacity` records, holding `prev`'s (the table before it grew). */
  private alloc (prev?: RecordTable): void {
    const n = this.capacity
    this.digests = column(Buffer.alloc(32 * n), prev?.digests)
    this.slotOf = column(new Uint32Array(n), prev?.slotOf)
    this.leafFlags = column(new Uint8Array(n), prev?.leafFlags)
    this.storeFlags = column(new Uint8Array(n), prev?.storeFlags)
    this.leafIndex = column(new Float64Array(n), prev?.leafIndex)
    this.expires = column(new Float64Array(n), prev?.expires)
    this.leafPeer = column(new Int32Array(n), prev?.leafPeer)
    this.metaPeer = column(new Int32Array(n), prev?.metaPeer)
    this.leafSha = column(Buffer.alloc(32 * n), prev?.leafSha)
    this.storedSha = column(Buffer.alloc(32 * n), prev?.storedSha)
    this.leafTuple = column(Buffer.alloc(16 * n), prev?.leafTuple)
    this.metaTuple = column(Buffer.alloc(16 * n), prev?.metaTuple)
    this.slots = new Int32Array(2 * n).fill(-1)
    for (let r = 0; r < this.count; r++) this.slots[this.free(this.digestBytes(r), this.slotOf[r])] = r
  }

  /** The table index of a peer ID, adding it if new. */
  peer (peerId: string): number {
    let index = this.peerIndex.get(peerId)
    if (index === undefined) this.peerIndex.set(peerId, index = this.peers.push(peerId) - 1)
    return index
  }

  /** The position of (digest, slot) in `slots`, or of the free place where it belongs. */
  private free (digest: Uint8Array, slot: number): number {
    const mask = this.slots.length - 1
    let pos = (((digest[0] | (digest[1] << 8) | (digest[2] << 16) | (digest[3] << 24)) ^ Math.imul(slot, 0x9e3779b1)) >>> 0) & mask
    for (let r = this.slots[pos]; r !== -1; r = this.slots[pos]) {
      if (this.slotOf[r] === slot && this.holds(r, digest)) break
      pos = (pos + 1) & mask
    }
    return pos
  }

  /** A loop, not Buffer.compare: a native call per probe costs more than 32 byte reads here. */
  private holds (r: number, digest: Uint8Array): boolean {
    for (let i = 0; i < 32; i++) if (this.digests[32 * r + i] !== digest[i]) return false
    return true
  }

  /** The record of (digest, slot), created empty if new. `digest` is 32 raw bytes. */
  record (digest: Uint8Array, slot: number): number {
    if (this.count === this.capacity) {
      this.capacity *= 2
      this.alloc({ ...this })
    }
    const pos = this.free(digest, slot)
    if (this.slots[pos] !== -1) return this.slots[pos]
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

  /** How a failure names the record. */
  where (r: number): string {
    return this.slotOf[r] === 0 ? `message ${this.digestHex(r)}` : `receipt for ${this.digestHex(r)} by ${this.peers[this.slotOf[r] - 1]}`
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
