/**
 * A bounded duration histogram for percentiles over any number of samples. Durations are whole
 * milliseconds; the histogram counts each distinct value exactly until it holds
 * `EXACT_DISTINCT` distinct values of one second or more, and from then on keeps those in
 * buckets 1 % wide (1 ms buckets below one second stay exact; at most ~2,400 buckets up to a
 * year), so memory does not grow with the log and the same samples, in any order, always give
 * the same figures. A percentile is the nearest-rank sample: exact in the first regime; in the
 * second exact below 1 s and its bucket's floor above (within 1 % below the sample).
 *
 * @module
 */

const LINEAR_MS = 1000
const GROWTH = Math.log(1.01)
/** Distinct durations of 1 s or more counted exactly, per histogram, before 1 % buckets. */
export const EXACT_DISTINCT = 2048

function bucketOf (ms: number): number {
  const v = Math.max(0, Math.round(ms))
  if (v < LINEAR_MS) return v
  return LINEAR_MS + Math.floor(Math.log(v / LINEAR_MS) / GROWTH)
}

function floorOf (bucket: number): number {
  if (bucket < LINEAR_MS) return bucket
  return Math.ceil(LINEAR_MS * Math.exp((bucket - LINEAR_MS) * GROWTH) - 1e-9)
}

export class Histogram {
  /** Exact regime: duration → count. Bucketed: bucket → count (below 1 s a bucket is the duration). */
  private buckets = new Map<number, number>()
  private bucketed = false
  private above = 0
  count = 0
  max = 0

  /** Whether its percentiles are exact (false once durations of a second or more went into 1 % buckets). */
  get exact (): boolean {
    return !this.bucketed
  }

  add (ms: number): void {
    const v = Math.max(0, Math.round(ms))
    const key = this.bucketed ? bucketOf(v) : v
    const n = this.buckets.get(key)
    if (n == null && v >= LINEAR_MS && !this.bucketed && ++this.above > EXACT_DISTINCT) {
      this.toBuckets()
      this.add(ms)
      return
    }
    this.buckets.set(key, (n ?? 0) + 1)
    this.count++
    if (v > this.max) this.max = v
  }

  /** Nearest-rank percentile (p in (0, 1]), or null with no samples. */
  percentile (p: number): number | null {
    if (this.count === 0) return null
    const rank = Math.max(1, Math.ceil(p * this.count))
    let seen = 0
    for (const b of [...this.buckets.keys()].sort((x, y) => x - y)) {
      seen += this.buckets.get(b) as number
      if (seen >= rank) return this.bucketed ? Math.min(floorOf(b), this.max) : b
    }
    return this.max
  }

  private toBuckets (): void {
    const exact = this.buckets
    this.buckets = new Map()
    this.bucketed = true
    for (const [v, n] of exact) {
      const b = bucketOf(v)
      this.buckets.set(b, (this.buckets.get(b) ?? 0) + n)
    }
  }
}
