/**
 * A Map that keeps at most `limit` entries, forgetting the oldest inserted first: what the
 * report keeps to join later entries to earlier ones (a receipt to its message, an answer to
 * its request) without growing with the log. Every forgotten entry is counted (`evicted`), and
 * the report says how many (`coverage.uncorrelated`). An entry deleted once its join is made
 * frees its place at once.
 *
 * Eviction is O(1): insertion order is kept in a queue of keys beside the map. (Evicting with
 * `map.keys().next()` instead is quadratic in V8 — every deleted slot at the front of the hash
 * table is skipped again on each call until the table is rehashed — and took a 1 M-entry
 * report from under a second to 29 s.) A queued key whose entry was deleted, or deleted and set
 * again, is recognised by its insertion number and skipped; the queue is compacted when such
 * stale and consumed keys outnumber the live ones, so it stays within about twice the map.
 *
 * @module
 */

interface Slot<V> {
  value: V
  seq: number
}

export class BoundedMap<K, V> {
  private readonly map = new Map<K, Slot<V>>()
  private readonly limit: number
  private readonly onEvict: ((value: V, key: K) => void) | undefined
  private queue: K[] = []
  private seqs: number[] = []
  private head = 0
  private seq = 0
  evicted = 0

  /** `onEvict` is told of every entry forgotten for room (not of those deleted). */
  constructor (limit: number, onEvict?: (value: V, key: K) => void) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer')
    this.limit = limit
    this.onEvict = onEvict
  }

  get (key: K): V | undefined {
    return this.map.get(key)?.value
  }

  has (key: K): boolean {
    return this.map.has(key)
  }

  set (key: K, value: V): void {
    const slot = this.map.get(key)
    if (slot != null) {
      slot.value = value
      return
    }
    if (this.map.size >= this.limit) this.evictOldest()
    const seq = this.seq++
    this.map.set(key, { value, seq })
    this.queue.push(key)
    this.seqs.push(seq)
    if (this.queue.length > 2 * this.map.size + 4096) this.compact()
  }

  delete (key: K): boolean {
    return this.map.delete(key)
  }

  get size (): number {
    return this.map.size
  }

  /** The live entries, oldest first. */
  *values (): IterableIterator<V> {
    for (let i = this.head; i < this.queue.length; i++) {
      const slot = this.map.get(this.queue[i])
      if (slot != null && slot.seq === this.seqs[i]) yield slot.value
    }
  }

  private evictOldest (): void {
    while (this.head < this.queue.length) {
      const key = this.queue[this.head]
      const seq = this.seqs[this.head]
      this.head++
      const slot = this.map.get(key)
      if (slot != null && slot.seq === seq) {
        this.map.delete(key)
        this.evicted++
        this.onEvict?.(slot.value, key)
        return
      }
    }
  }

  /** Drop the stale keys (and the consumed front) from the queue. */
  private compact (): void {
    const queue: K[] = []
    const seqs: number[] = []
    for (let i = this.head; i < this.queue.length; i++) {
      const slot = this.map.get(this.queue[i])
      if (slot != null && slot.seq === this.seqs[i]) {
        queue.push(this.queue[i])
        seqs.push(this.seqs[i])
      }
    }
    this.queue = queue
    this.seqs = seqs
    this.head = 0
  }
}
