/**
 * A bounded duration histogram for percentiles over any number of samples: 1 ms buckets below
 * one second, then buckets 1 % wide (at most ~2,400 buckets up to a year), so memory does not
 * grow with the log and the same samples always give the same figures. A percentile is the
 * nearest-rank sample's bucket floor: exact below 1 s, within 1 % above.
 *
 * @module
 */

const LINEAR_MS = 1000
const GROWTH = Math.log(1.01)

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
  private readonly buckets = new Map<number, number>()
  count = 0
  max = 0

  add (ms: number): void {
    const b = bucketOf(ms)
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1)
    this.count++
    if (ms > this.max) this.max = Math.max(0, Math.round(ms))
  }

  /** Nearest-rank percentile (p in (0, 1]), or null with no samples. */
  percentile (p: number): number | null {
    if (this.count === 0) return null
    const rank = Math.max(1, Math.ceil(p * this.count))
    let seen = 0
    for (const b of [...this.buckets.keys()].sort((x, y) => x - y)) {
      seen += this.buckets.get(b) as number
      if (seen >= rank) return Math.min(floorOf(b), this.max)
    }
    return this.max
  }
}
