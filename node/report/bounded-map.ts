/**
 * A Map that keeps at most `limit` entries, forgetting the oldest inserted first: what the
 * report keeps to join later entries to earlier ones (a receipt to its message, an answer to
 * its request) without growing with the log. Every forgotten entry is counted, and the report
 * says how many (`coverage.uncorrelated`).
 *
 * @module
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>()
  private readonly limit: number
  evicted = 0

  constructor (limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer')
    this.limit = limit
  }

  get (key: K): V | undefined {
    return this.map.get(key)
  }

  set (key: K, value: V): void {
    if (!this.map.has(key) && this.map.size >= this.limit) {
      const oldest = this.map.keys().next().value as K
      this.map.delete(oldest)
      this.evicted++
    }
    this.map.set(key, value)
  }

  delete (key: K): boolean {
    return this.map.delete(key)
  }

  get size (): number {
    return this.map.size
  }
}
