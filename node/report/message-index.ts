/**
 * What the report remembers of every message, by digest, for the entries that refer back to it
 * later (`message.rated`, `message.forwarded`, `release.requested`, `message.replied`): its
 * time, direction, whether it was counted, its payload, its dimensions and counterparts. At most
 * `limit` messages, oldest forgotten first (a ring: the slot of the oldest is reused).
 *
 * Compact on purpose — this is the one join state that fills up in a long log: the columns are
 * typed arrays or references to shared values (dimension sets and payload names come shared
 * from the normaliser, peer IDs are interned), so a message costs its digest string, a map
 * entry and a few slots (about 150 bytes; 200,000 messages ≈ 30 MB) instead of a few objects
 * (≈ 420 bytes), which also keeps V8's heap, sized in proportion to what is live, small.
 *
 * @module
 */
import type { MessageDims } from './facts.ts'

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
  private readonly slots = new Map<string, number>()
  private keys: Array<string | undefined> = []
  private at = new Float64Array(0)
  private flags = new Uint8Array(0)
  // Shared objects (the normaliser's dimension sets and payload names), one reference per slot.
  private dims: MessageDims[] = []
  private payloads: string[] = []
  private peers: Array<string | readonly string[]> = []
  private readonly peerIds = new Map<string, string>()
  private next = 0
  evicted = 0

  constructor (limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer')
    this.limit = limit
  }

  get size (): number {
    return this.slots.size
  }

  set (digest: string, r: MessageRecord): void {
    let slot = this.slots.get(digest)
    if (slot == null) {
      slot = this.next % this.limit
      this.next++
      this.grow(slot)
      const old = this.keys[slot]
      if (old !== undefined) {
        this.slots.delete(old)
        this.evicted++
      }
      this.keys[slot] = digest
      this.slots.set(digest, slot)
    }
    this.at[slot] = r.at
    this.flags[slot] = (r.counted ? COUNTED : 0) | (r.out ? OUT : 0)
    this.dims[slot] = r.dims
    this.payloads[slot] = r.payload
    this.peers[slot] = r.peers.length === 1 ? this.peer(r.peers[0]) : r.peers.map(p => this.peer(p))
  }

  get (digest: string): MessageRecord | undefined {
    const slot = this.slots.get(digest)
    if (slot == null) return undefined
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
    this.at = at
    this.flags = flags
  }
}
