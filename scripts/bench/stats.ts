/**
 * Order statistics for benchmark samples: median, nearest-rank percentiles, min–max.
 *
 * @module
 */

function sorted (samples: readonly number[]): number[] {
  if (samples.length === 0) throw new RangeError('no samples')
  for (const s of samples) if (!Number.isFinite(s)) throw new RangeError(`sample is not a finite number: ${s}`)
  return [...samples].sort((a, b) => a - b)
}

/** Median (mean of the two middle values for an even count). */
export function median (samples: readonly number[]): number {
  const s = sorted(samples)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/**
 * Nearest-rank percentile: the smallest sample with at least p % of the samples at or below it
 * (p in (0, 100]). p99 of 100 samples is the 99th smallest, never an interpolated value.
 */
export function percentile (samples: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`)
  const s = sorted(samples)
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]
}

export interface Spread {
  min: number
  max: number
}

export function spreadOf (samples: readonly number[]): Spread {
  const s = sorted(samples)
  return { min: s[0], max: s[s.length - 1] }
}
