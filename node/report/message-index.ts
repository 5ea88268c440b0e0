/**
 * What the report remembers of every message, by digest, for the entries that refer back to it
 * later (`message.rated`, `message.forwarded`, `release.requested`, `message.replied`): its
 * time, direction, whether it was counted, its payload, its dimensions and counterparts. At most
 * `limit` messages, oldest forgotten first (a ring: the slot of the oldest is reused).
 *
 * Compact on purpose — this is the one join state that fills up in a long log: the columns are
 * typed arrays or references to shared values (dimension sets and payload names come shared
 * from the normaliser, peer IDs are interned) and the digest → slot index is an open-addressing
 * table of int32, so a message costs its digest string and about 50 bytes of columns (200,000
 * messages ≈ 27 MB) instead of a few objects and a Map entry (≈ 420 bytes), which also keeps
 * V8's heap, sized in proportion to what is live, small.
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
const INTERN_MAX = 100_000

export class MessageIndex {
  private readonly limit: number
  // Open addressing with linear probing (slot + 1; 0 = empty), backward-shift deletion: no Map,
  // whose entries cost more than the record and whose deleted slots pile up under churn.
  private table = new Int32Array(2048)
  private hashes = new Int32Array(0)
  private keys: Array<string | undefined> = []
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
    const h = hash(digest)
    let pos = this.find(digest, h)
    let slot: number
    if (pos >= 0) {
      slot = this.table[pos] - 1
    } else {
      slot = this.next % this.limit
      this.next++
      this.grow(slot)
      const old = this.keys[slot]
      if (old !== undefined) {
        this.remove(this.find(old, this.hashes[slot]))
        this.evicted++
      }
      if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2)
      pos = this.find(digest, h)
      this.table[-pos - 1] = slot + 1
      this.count++
      this.keys[slot] = digest
      this.hashes[slot] = h
    }
    this.at[slot] = r.at
    this.flags[slot] = (r.counted ? COUNTED : 0) | (r.out ? OUT : 0)
    this.dims[slot] = r.dims
    this.payloads[slot] = r.payload
    this.peers[slot] = r.peers.length === 1 ? this.peer(r.peers[0]) : r.peers.map(p => this.peer(p))
  }

  get (digest: string): MessageRecord | undefined {
    const pos = this.find(digest, hash(digest))
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

  /** The table position holding `digest`, or -(the empty position where it would go) - 1. */
  private find (digest: string, h: number): number {
    const mask = this.table.length - 1
    let i = h & mask
    while (true) {
      const v = this.table[i]
      if (v === 0) return -i - 1
      if (this.keys[v - 1] === digest) return i
      i = (i + 1) & mask
    }
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
    this.at = at
    this.flags = flags
    this.hashes = hashes
  }
}

/** FNV-1a over the first 32 characters and the length (digests are uniform hex; anything else still works). */
function hash (s: string): number {
  let h = 0x811c9dc5 ^ s.length
  const n = Math.min(s.length, 32)
  for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 1
}
