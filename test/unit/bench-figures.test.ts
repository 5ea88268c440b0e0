import { describe, expect, it } from 'vitest'
import { describeGoal, makeFigure, recheck, unavailableFigure, verdict } from '../../scripts/bench/figures.ts'
import { median, percentile, spreadOf } from '../../scripts/bench/stats.ts'
import { attainment, trendOf } from '../../scripts/bench/report.ts'
import { categoryOf, packageOf, summariseProfile, type CpuProfile } from '../../scripts/bench/profile-summary.ts'
import { assertDelivered, assertInboxGrowth, IntegrityError } from '../../scripts/bench/context.ts'

describe('bench stats', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it('uses nearest-rank percentiles, never interpolating', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(samples, 99)).toBe(99)
    expect(percentile(samples, 50)).toBe(50)
    expect(percentile(samples, 100)).toBe(100)
    expect(percentile([5, 1, 3], 1)).toBe(1)
    expect(percentile([10], 99)).toBe(10)
  })

  it('refuses empty, non-finite and out-of-range input', () => {
    expect(() => median([])).toThrow(RangeError)
    expect(() => median([1, Number.NaN])).toThrow(RangeError)
    expect(() => percentile([1], 0)).toThrow(RangeError)
  })

  it('reports the spread as min and max', () => {
    expect(spreadOf([3, 9, 1])).toEqual({ min: 1, max: 9 })
  })
})

describe('bench figures', () => {
  it('reports the median of runs, the median ceiling, and ratio = value / ceiling exactly', () => {
    const f = makeFigure({
      id: 'x',
      name: 'x',
      measured: 'm',
      unit: 'msg/s',
      samples: [4000, 3000, 5000],
      ceilingSamples: [9000, 10_000, 11_000],
      goal: { op: '>=', ratio: 0.6 }
    })
    expect(f.value).toBe(4000)
    expect(f.ceiling).toBe(10_000)
    expect(f.ratio).toBe(f.value as number / (f.ceiling as number))
    expect(f.runs).toBe(3)
    expect(f.spread).toEqual({ min: 3000, max: 5000 })
    expect(f.met).toBe(false)
    expect(f.samples).toEqual([4000, 3000, 5000])
  })

  it('meets a goal only when every threshold it names holds', () => {
    const goal = { op: '>=', ratio: 0.6, value: 5000 } as const
    expect(verdict(goal, 6000, 0.7)).toBe(true)
    expect(verdict(goal, 6000, 0.5)).toBe(false)
    expect(verdict(goal, 4000, 0.9)).toBe(false)
    expect(verdict({ op: '<=', value: 10 }, 10, null)).toBe(true)
    expect(verdict({ op: '<', value: 200 }, 200, null)).toBe(false)
    expect(verdict({ op: '>', ratio: 1 }, 5, 1)).toBe(false)
  })

  it('does not meet a ratio goal without a ratio, nor any goal without a value', () => {
    expect(verdict({ op: '>=', ratio: 0.8 }, 100, null)).toBe(false)
    expect(verdict({ op: '<=', value: 10 }, null, null)).toBe(false)
  })

  it('gives a figure without a goal no verdict (met: null)', () => {
    const f = makeFigure({ id: 'p50', name: 'p50', measured: 'm', unit: 'ms', samples: [2, 3, 4] })
    expect(f.met).toBeNull()
    expect(f.goal).toBeNull()
    expect(f.ceiling).toBeNull()
    expect(f.ratio).toBeNull()
  })

  it('throws for a ratio goal without a ceiling (a caller bug)', () => {
    expect(() => makeFigure({ id: 'x', name: 'x', measured: 'm', unit: 'u', samples: [1], goal: { op: '>=', ratio: 0.5 } })).toThrow(TypeError)
  })

  it('reports the worst case for max-aggregated figures', () => {
    const f = makeFigure({ id: 'rss', name: 'rss', measured: 'm', unit: 'MB', samples: [80, 120, 90], aggregate: 'max', goal: { op: '<=', value: 100 } })
    expect(f.value).toBe(120)
    expect(f.met).toBe(false)
  })

  it('reports an unmeasured figure as value null, met false, with the reason', () => {
    const f = unavailableFigure({
      id: 'audit.verify',
      name: 'Audit verify',
      measured: 'm',
      unit: 'envelopes/s',
      goal: { op: '>=', ratio: 0.8 },
      note: 'audit verify not available'
    })
    expect(f).toMatchObject({ value: null, met: false, note: 'audit verify not available', runs: 0, spread: null })
    expect(recheck(f)).toBe(true)
  })

  it('lets a reader recompute every verdict from the published numbers, and catches a tampered one', () => {
    const f = makeFigure({
      id: 'x',
      name: 'x',
      measured: 'm',
      unit: 'msg/s',
      samples: [7000],
      ceilingSamples: [10_000],
      goal: { op: '>=', ratio: 0.6, value: 5000 }
    })
    const published = JSON.parse(JSON.stringify(f)) as typeof f
    expect(recheck(published)).toBe(true)
    expect(recheck({ ...published, met: false })).toBe(false)
    expect(recheck({ ...published, ratio: 0.9 })).toBe(false)
  })

  it('describes goals in words', () => {
    expect(describeGoal({ op: '>=', ratio: 0.6, value: 5000 }, 'msg/s')).toBe('≥ 0.6 × ceiling and ≥ 5000 msg/s')
    expect(describeGoal({ op: '<=', value: 10 }, 'ms')).toBe('≤ 10 ms')
    expect(describeGoal(null, 'ms')).toBe('—')
  })

  it('measures attainment as 1 on goal, above 1 when better, for both directions', () => {
    const higher = makeFigure({
      id: 'a',
      name: 'a',
      measured: 'm',
      unit: 'msg/s',
      samples: [3000],
      ceilingSamples: [10_000],
      goal: { op: '>=', ratio: 0.6, value: 5000 }
    })
    expect(attainment(higher)).toBeCloseTo(0.5)
    const lower = makeFigure({ id: 'b', name: 'b', measured: 'm', unit: 'ms', samples: [5], goal: { op: '<=', value: 10 } })
    expect(attainment(lower)).toBe(2)
    expect(attainment(makeFigure({ id: 'c', name: 'c', measured: 'm', unit: 'ms', samples: [5] }))).toBeUndefined()
  })
})

describe('bench run-to-run trend', () => {
  it('flags runs that fall or rise steadily by more than 30 %, and nothing else', () => {
    expect(trendOf([1342, 703, 604])).toBe('fall steadily')
    expect(trendOf([100, 120, 140])).toBe('rise steadily')
    expect(trendOf([100, 90, 95])).toBeUndefined()
    expect(trendOf([100, 95, 90])).toBeUndefined()
    expect(trendOf([100, 50])).toBeUndefined()
  })
})

describe('bench profile summary', () => {
  const root = 'file:///work/project/'

  it('names packages and categories', () => {
    expect(packageOf('file:///p/node_modules/@chainsafe/libp2p-noise/dist/src/x.js')).toBe('@chainsafe/libp2p-noise')
    expect(packageOf('file:///p/node_modules/level/index.js')).toBe('level')
    expect(categoryOf({ functionName: 'x', url: 'file:///p/node_modules/@chainsafe/libp2p-yamux/dist/a.js' }, root)).toBe('yamux')
    expect(categoryOf({ functionName: 'x', url: `${root}protocol/json.ts` }, root)).toBe('protocol/ (ours)')
    expect(categoryOf({ functionName: '(idle)', url: '' }, root)).toBe('idle')
    expect(categoryOf({ functionName: 'x', url: 'node:internal/crypto/sig' }, root)).toBe('Ed25519 sign/verify')
    expect(categoryOf({ functionName: 'x', url: 'node:internal/crypto/hash' }, root)).toBe('crypto (hash, cipher, random)')
  })

  it('counts self time and files native frames under their JavaScript caller', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 10_000,
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 4, 5] },
        { id: 2, callFrame: { functionName: 'verifyOneShot', url: 'node:internal/crypto/sig', lineNumber: 10 }, children: [3] },
        { id: 3, callFrame: { functionName: 'run', url: '', lineNumber: -1 } },
        { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
        { id: 5, callFrame: { functionName: 'parse', url: `${root}protocol/json.ts`, lineNumber: 92 } }
      ],
      samples: [3, 3, 3, 3, 3, 3, 4, 4, 5, 5]
    }
    const s = summariseProfile(profile, root)
    expect(s.samples).toBe(10)
    expect(s.busyPct).toBe(80)
    expect(s.top[0]).toMatchObject({ name: 'run (native) ← verifyOneShot', category: 'Ed25519 sign/verify', pct: 60, location: 'node:internal/crypto/sig:11' })
    expect(s.top[1]).toMatchObject({ name: 'parse', category: 'protocol/ (ours)', pct: 20, location: 'protocol/json.ts:93' })
    expect(s.categories.map(c => c.category)).toEqual(['Ed25519 sign/verify', 'idle', 'protocol/ (ours)'])
    expect(s.top[0].ms).toBeCloseTo(6)
  })
})

describe('bench integrity checks', () => {
  const clean = { expected: 100, notDelivered: 0, receiptsChecked: 100, problems: [] }

  it('passes a run where every delivery has a verified receipt', () => {
    expect(() => {
      assertDelivered('run', clean, 100)
    }).not.toThrow()
  })

  it('fails a run that lost a message, skipped a receipt or stored one that does not verify', () => {
    expect(() => {
      assertDelivered('run', { ...clean, notDelivered: 1 }, 100)
    }).toThrow(IntegrityError)
    expect(() => {
      assertDelivered('run', { ...clean, receiptsChecked: 99 }, 100)
    }).toThrow(IntegrityError)
    expect(() => {
      assertDelivered('run', { ...clean, problems: ['receipt for x does not verify'] }, 100)
    }).toThrow(/does not verify/)
    expect(() => {
      assertDelivered('run', { ...clean, expected: 99, receiptsChecked: 99 }, 100)
    }).toThrow(IntegrityError)
  })

  it('fails a run unless the inbox grew by exactly the number sent, each accepted once', () => {
    expect(() => {
      assertInboxGrowth('run', { count: 10, accepted: 0 }, { count: 110, accepted: 100 }, 100)
    }).not.toThrow()
    expect(() => {
      assertInboxGrowth('run', { count: 10, accepted: 0 }, { count: 109, accepted: 100 }, 100)
    }).toThrow(IntegrityError)
    expect(() => {
      assertInboxGrowth('run', { count: 10, accepted: 0 }, { count: 111, accepted: 101 }, 100)
    }).toThrow(IntegrityError)
    expect(() => {
      assertInboxGrowth('run', { count: 10, accepted: 0 }, { count: 110, accepted: 99 }, 100)
    }).toThrow(IntegrityError)
  })
})
