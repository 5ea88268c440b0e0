/**
 * The figures' two-level grouping (node/report/figures.ts: the breakdown's id from a shared
 * DimensionKeyer, then the figure's own key cells) against a plain reference — one Map keyed by
 * all the key cells — with fast-check: every registered figure, any breakdown, random facts of
 * every shape the built-in figures count, with keyers shared between figures as computeReport
 * shares them.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dimensionValue } from '../../node/report/dimensions.ts'
import type { Fact } from '../../node/report/fact.ts'
import { DimensionKeyer, FigureAccumulator, figureDefs, figureDimensions, type FigureDef } from '../../node/report/figures.ts'
import type { Cell, Dimension, FigureTable } from '../../node/report/types.ts'

const DAY = 86_400_000
const T0 = Date.parse('2026-11-02T00:00:00.000Z')

const base = {
  at: fc.integer({ min: 0, max: 70 }).map(d => T0 + d * DAY),
  peer: fc.constantFrom('peer-a', 'peer-b', 'peer-c', '-'),
  dims: fc.record({ topic: fc.constantFrom('t1', 't2'), tlp: fc.constantFrom('AMBER', 'GREEN') }, { requiredKeys: [] })
}
const direction = fc.constantFrom('out' as const, 'in' as const)
const delay = fc.option(fc.integer({ min: 0, max: 400_000 }), { nil: null })
const fact: fc.Arbitrary<Fact> = fc.oneof(
  fc.record({ ...base, type: fc.constant('message' as const), direction }),
  fc.record({
    ...base,
    type: fc.constant('outcome' as const),
    direction,
    status: fc.constantFrom('accepted' as const, 'rejected' as const),
    reason: fc.constantFrom(null, 'POLICY', 'EXPIRED'),
    delayMs: delay
  }),
  fc.record({
    ...base,
    type: fc.constant('outbox' as const),
    phase: fc.constantFrom('queued' as const, 'left' as const, 'waiting' as const),
    payload: fc.constantFrom('message', 'forward'),
    delayMs: delay
  }),
  fc.record({ ...base, type: fc.constant('rfi' as const), direction }),
  fc.record({ ...base, type: fc.constant('answer' as const), direction, delayMs: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ ...base, type: fc.constant('trust' as const), action: fc.constantFrom('suspended' as const, 'revoked' as const) }),
  fc.record({ ...base, type: fc.constant('feedback' as const), direction, rating: fc.constantFrom('useful', 'actioned') })
)
const DIMS: Dimension[] = ['peer', 'topic', 'tlp', 'week', 'month']

/** The reference: one Map by every key cell, as plain as it gets. */
function reference (def: FigureDef, by: readonly Dimension[], facts: readonly Fact[]): FigureTable {
  const dims = figureDimensions(def, by)
  const groups = new Map<string, { key: Cell[], state: unknown }>()
  for (const f of facts) {
    const own = def.keyOf(f)
    if (own === undefined) continue
    const key = [...dims.map(d => dimensionValue(d, f)), ...own]
    const k = JSON.stringify(key)
    let g = groups.get(k)
    if (g == null) groups.set(k, g = { key, state: def.state() })
    def.add(g.state, f)
  }
  const rows = [...groups.values()].map(g => [...g.key, ...def.values(g.state)])
  const keys = dims.length + def.keys.length
  rows.sort((a, b) => {
    for (let i = 0; i < keys; i++) {
      const x = a[i]
      const y = b[i]
      if (x === y) continue
      if (x === null) return 1
      if (y === null) return -1
      if (typeof x === 'number' && typeof y === 'number') return x - y
      return String(x) < String(y) ? -1 : 1
    }
    return 0
  })
  return { title: def.title, columns: [...dims, ...def.keys, ...def.measures], keys, rows }
}

describe('report figures: two-level grouping', () => {
  it('tabulates every figure as one Map by all key cells would (fast-check)', () => {
    fc.assert(
      fc.property(fc.subarray(DIMS), fc.array(fact, { maxLength: 120 }), (by, facts) => {
        const keyers = new Map<string, DimensionKeyer>()
        const accs = figureDefs().map(def => {
          const dims = figureDimensions(def, by)
          const sig = dims.join('\u0000')
          let keyer = keyers.get(sig)
          if (keyer == null) keyers.set(sig, keyer = new DimensionKeyer(dims))
          return new FigureAccumulator(def, by, keyer)
        })
        for (const f of facts) for (const a of accs) if (a.def.facts == null || a.def.facts.includes(f.type)) a.add(f)
        for (const a of accs) expect(a.table(), a.def.id).toEqual(reference(a.def, by, facts))
      }),
      { numRuns: 200 }
    )
  })
})
