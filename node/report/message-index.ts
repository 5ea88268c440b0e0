/**
 * What the report remembers of every message, by digest, for the entries that refer back to it
 * later (`message.rated`, `message.forwarded`, `release.requested`, `message.replied`): its
 * time, direction, whether it was counted, its payload, its dimensions and counterparts. At most
 * `limit` messages, oldest forgotten first (a ring: the slot of the oldest is reused).
 *
 * Compact on purpose — this is the one join state that fills up in a long log: the columns are
 * typed arrays or references to shared values (dimension sets and payload names come shared
 * from the normaliser, peer IDs are interned), a digest in the log's form (64 lowercase hex
 * digits) is kept as its 32 bytes in one byte column, and the digest → slot index is an
 * open-addressing table of int32. A message costs about 70 bytes, none of it a heap object of
 * its own (200,000 messages ≈ 14 MB), instead of a digest string (80 bytes, in the old
 * generation by the time it is forgotten) and columns, or a few objects and a Map entry
 * (≈ 420 bytes): V8 sizes its old generation in proportion to what lives and dies there, so
 * what the process holds stays flat however many messages pass through. Any other digest
 * string still works (kept as the string itself, in a side column).
 *
 * @module
 */
import type { MessageDims } from './fact.ts'

export interface MessageRecord {
  at: number
  counted: boolean
  out: boolean
  /** Short payload name (`message`, `forward`, `feedback`, …). */
  payload: string
  dims: MessageDims
  /** Its recipients (outbound) or its sender (inbound). */
  peers: readonly string[]
}

const COUNTED = 1
const OUT = 2
/** The slot's digest is in `bytes` (64 lowercase hex digits); otherwise in `others`. */
const HEX = 4
const INTERN_MAX = 100_000
const DIGEST_BYTES = 32

/** Value of a lowercase hex digit's char code, -1 for anything else. */
const NIBBLE = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = 10 + i

export class MessageIndex {
  private readonly limit: number
  // Open addressing with linear probing (slot + 1; 0 = empty), backward-shift deletion: no Map,
  // whose entries cost more than the record and whose deleted slots pile up under churn.
  private table = new Int32Array(2048)
  private hashes = new Int32Array(0)
  /** 32 bytes per slot: the digest of a HEX slot. */
  private bytes = new Uint8Array(0)
  /** The digest of a slot that is not HEX (any other string), by slot. */
  private readonly others = new Map<number, string>()
  private used = new Uint8Array(0)
  /** The digest being set or looked up, parsed (valid when `scratchHex`). */
  private readonly scratch = new Uint8Array(DIGEST_BYTES)
  private scratchHex = false
  /** Random per index: which table positions digests land on cannot be chosen by whoever wrote them. */
  private readonly seed = (Math.random() * 2 ** 32) | 0
  private at = new Float64Array(0)
  private flags = new Uint8Array(0)
  // Shared objects (the normaliser's dimension sets and payload names), one reference per slot.
  private readonly dims: MessageDims[] = []
  private readonly payloads: string[] = []
  private readonly peers: Array<string | readonly string[]> = []
  private readonly peerIds = new Map<string, string>()
  private next = 0
  private count = 0
  evicted = 0

  constructor (limit: number) {
    if (!Number.isInteger(limit) || limit < 1 || limit > 2 ** 28) throw new RangeError('limit must be an integer in [1, 2^28]')
    this.limit = limit
  }

  get size (): number {
    return this.count
  }

  set (digest: string, r: MessageRecord): void {
    const h = this.parse(digest)
    let pos = this.find(digest, h)
    let slot: number
    if (pos >= 0) {
      slot = this.table[pos] - 1
    } else {
      slot = this.next % this.limit
      this.next++
      this.grow(slot)
      if (this.used[slot] === 1) {
        this.remove(this.positionOf(slot))
        this.others.delete(slot)
        this.evicted++
      }
      if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2)
      // The scratch still holds `digest` (positionOf compares slots, it does not parse).
      pos = this.find(digest, h)
      this.table[-pos - 1] = slot + 1
      this.count++
      this.used[slot] = 1
      this.hashes[slot] = h
      if (this.scratchHex) this.bytes.set(this.scratch, slot * DIGEST_BYTES)
      else this.others.set(slot, digest)
    }
    this.at[slot] = r.at
    this.flags[slot] = (r.counted ? COUNTED : 0) | (r.out ? OUT : 0) | (this.scratchHex ? HEX : 0)
    this.dims[slot] = r.dims
    this.payloads[slot] = r.payload
    this.peers[slot] = r.peers.length === 1 ? this.peer(r.peers[0]) : r.peers.map(p => this.peer(p))
  }

  get (digest: string): MessageRecord | undefined {
    const pos = this.find(digest, this.parse(digest))
    if (pos < 0) return undefined
    const slot = this.table[pos] - 1
    const p = this.peers[slot]
    return {
      at: this.at[slot],
      counted: (this.flags[slot] & COUNTED) !== 0,
      out: (this.flags[slot] & OUT) !== 0,
      payload: this.payloads[slot],
      dims: this.dims[slot],
      peers: typeof p === 'string' ? [p] : p
    }
  }

  /**
   * Parse `digest` into the scratch (when it is 64 lowercase hex digits) and return its hash:
   * for a digest, two of its 32-bit words mixed with the seed (SHA-256 output is uniform
   * already); for another string, FNV-1a over it from the seed.
   */
  private parse (digest: string): number {
    const b = this.scratch
    let hex = digest.length === 2 * DIGEST_BYTES
    for (let i = 0; hex && i < DIGEST_BYTES; i++) {
      const c1 = digest.charCodeAt(2 * i)
      const c2 = digest.charCodeAt(2 * i + 1)
      const hi = c1 < 128 ? NIBBLE[c1] : -1
      const lo = c2 < 128 ? NIBBLE[c2] : -1
      if (hi < 0 || lo < 0) hex = false
      else b[i] = (hi << 4) | lo
    }
    this.scratchHex = hex
    let h: number
    if (hex) {
      const w0 = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]
      const w1 = (b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]
      h = Math.imul(w0 ^ this.seed, 0x9e3779b1) ^ w1
    } else {
      h = 0x811c9dc5 ^ this.seed ^ digest.length
      for (let i = 0; i < digest.length; i++) h = Math.imul(h ^ digest.charCodeAt(i), 0x01000193)
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    return (h ^ (h >>> 13)) >>> 1
  }

  /** Whether `slot` holds the digest parsed into the scratch (`digest` itself for a non-hex one). */
  private holds (slot: number, digest: string): boolean {
    if (!this.scratchHex) return (this.flags[slot] & HEX) === 0 && this.others.get(slot) === digest
    if ((this.flags[slot] & HEX) === 0) return false
    const b = this.bytes
    const s = this.scratch
    const o = slot * DIGEST_BYTES
    for (let i = 0; i < DIGEST_BYTES; i++) if (b[o + i] !== s[i]) return false
    return true
  }

  /** The table position holding the scratch's digest, or -(the empty position where it would go) - 1. */
  private find (digest: string, h: number): number {
    const mask = this.table.length - 1
    let i = h & mask
    while (true) {
      const v = this.table[i]
      if (v === 0) return -i - 1
      if (this.hashes[v - 1] === h && this.holds(v - 1, digest)) return i
      i = (i + 1) & mask
    }
  }

  /** The table position of a used slot (its entry is found by slot number, not by digest). */
  private positionOf (slot: number): number {
    const mask = this.table.length - 1
    let i = this.hashes[slot] & mask
    while (this.table[i] !== slot + 1) i = (i + 1) & mask
    return i
  }

  /** Empty position `i`, shifting later entries of the probe run back (no tombstones). */
  private remove (i: number): void {
    const mask = this.table.length - 1
    let j = i
    this.table[i] = 0
    this.count--
    while (true) {
      j = (j + 1) & mask
      const v = this.table[j]
      if (v === 0) return
      const home = this.hashes[v - 1] & mask
      // Leave it if its home lies cyclically in (i, j]; else it moves into the gap.
      if (i <= j ? (i < home && home <= j) : (i < home || home <= j)) continue
      this.table[i] = v
      this.table[j] = 0
      i = j
    }
  }

  private rehash (size: number): void {
    const old = this.table
    this.table = new Int32Array(size)
    const mask = size - 1
    for (const v of old) {
      if (v === 0) continue
      let i = this.hashes[v - 1] & mask
      while (this.table[i] !== 0) i = (i + 1) & mask
      this.table[i] = v
    }
  }

  private peer (id: string): string {
    const known = this.peerIds.get(id)
    if (known != null) return known
    if (this.peerIds.size < INTERN_MAX) this.peerIds.set(id, id)
    return id
  }

  /** Columns grow by doubling up to the limit (a small log never allocates the full ring). */
  private grow (slot: number): void {
    if (slot < this.at.length) return
    const n = Math.min(this.limit, Math.max(1024, this.at.length * 2))
    const at = new Float64Array(n)
    at.set(this.at)
    const flags = new Uint8Array(n)
    flags.set(this.flags)
    const hashes = new Int32Array(n)
    hashes.set(this.hashes)
    const used = new Uint8Array(n)
    used.set(this.used)
    const bytes = new Uint8Array(n * DIGEST_BYTES)
    bytes.set(this.bytes)
    this.at = at
    this.flags = flags
    this.hashes = hashes
    this.used = used
    this.bytes = bytes
  }
}
