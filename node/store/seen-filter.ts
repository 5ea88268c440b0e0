/**
 * A Bloom filter over the (sender, message id) pairs already stored, so that the replay check
 * on the receive path reads LevelDB only when a pair may have been seen: new messages — nearly
 * all traffic — cost no disk read. A false positive only costs that read; there are no false
 * negatives, so correctness never depends on the filter. Fixed size (default 4 MiB: about 1 %
 * false positives at 3.5 million entries, degrading gracefully beyond), filled at start-up
 * from the store's index.
 *
 * @module
 */
import { DEFAULT_SEEN_FILTER_BITS } from '../defaults.ts'

export class SeenFilter {
  private readonly bits: Uint32Array
  private readonly m: number
  private readonly hashes: number

  constructor (bits = DEFAULT_SEEN_FILTER_BITS, hashes = 7) {
    this.bits = new Uint32Array(Math.ceil(bits / 32))
    this.m = this.bits.length * 32
    this.hashes = hashes
  }

  add (key: string): void {
    const [h1, h2] = hash2(key)
    for (let i = 0; i < this.hashes; i++) {
      const b = ((h1 + Math.imul(i, h2)) >>> 0) % this.m
      this.bits[b >>> 5] |= 1 << (b & 31)
    }
  }

  mayHave (key: string): boolean {
    const [h1, h2] = hash2(key)
    for (let i = 0; i < this.hashes; i++) {
      const b = ((h1 + Math.imul(i, h2)) >>> 0) % this.m
      if ((this.bits[b >>> 5] & (1 << (b & 31))) === 0) return false
    }
    return true
  }
}

/** Two 32-bit FNV-1a-style hashes with different primes, for double hashing. */
function hash2 (key: string): [number, number] {
  let a = 0x811c9dc5
  let b = 0x9747b28c
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
  }
  b ^= b >>> 13
  b = Math.imul(b, 0x5bd1e995)
  b ^= b >>> 15
  return [a >>> 0, (b | 1) >>> 0]
}
