/**
 * The figure registry. A figure is a table: it takes the facts it is about (facts.ts), groups
 * them by the report's breakdown dimensions plus its own key columns (direction, reason, …) and
 * keeps bounded state per group (counts, a Histogram). Adding a figure — hit/no-hit queries
 * and their hit rate, task-force breakdowns, once those capabilities log their entries — means
 * a `Normaliser.hook` for the new entry type that emits facts, and a FigureDef here
 * (`registerFigure`); the formats, `report verify` and the docs pick it up from the registry.
 *
 * @module
 */
import type { Fact } from './facts.ts'
import { Histogram } from './histogram.ts'
import { isoWeek, month } from './periods.ts'
import type { Cell, Dimension, FigureTable } from './types.ts'

export interface FigureDef<S = unknown> {
  id: string
  title: string
  /** The figure's own key columns, after the breakdown dimensions. */
  keys: string[]
  measures: string[]
  /** Breakdown dimensions that apply (default all); `fixed` replaces the query's `by`. */
  dimensions?: readonly Dimension[]
  fixed?: (by: readonly Dimension[]) => Dimension[]
  /** The facts this figure counts, and under which own key values (undefined: not counted). */
  keyOf: (fact: Fact) => Cell[] | undefined
  state: () => S
  add: (state: S, fact: Fact) => void
  values: (state: S) => Cell[]
}

const REGISTRY = new Map<string, FigureDef>()

export function registerFigure<S> (def: FigureDef<S>): void {
  if (REGISTRY.has(def.id)) throw new Error(`figure ${def.id} is already registered`)
  REGISTRY.set(def.id, def as FigureDef)
}

export function figureDefs (): FigureDef[] {
  return [...REGISTRY.values()]
}

const PERIOD_CACHE = new Map<number, string>()

export function dimensionValue (dim: Dimension, fact: Fact): string {
  switch (dim) {
    case 'peer': return fact.peer
    case 'topic': return fact.dims.topic
    case 'agreement': return fact.dims.agreement
    case 'kind': return fact.dims.kind
    case 'tlp': return fact.dims.tlp
    case 'week':
    case 'month': {
      const day = Math.floor(fact.at / 86_400_000)
      const key = day * 2 + (dim === 'week' ? 0 : 1)
      let v = PERIOD_CACHE.get(key)
      if (v == null) {
        v = dim === 'week' ? isoWeek(fact.at) : month(fact.at)
        if (PERIOD_CACHE.size > 10_000) PERIOD_CACHE.clear()
        PERIOD_CACHE.set(key, v)
      }
      return v
    }
  }
}

/** One figure being computed: groups by key, state per group. */
export class FigureAccumulator {
  readonly def: FigureDef
  readonly dims: Dimension[]
  private readonly groups = new Map<string, { key: Cell[], state: unknown }>()

  constructor (def: FigureDef, by: readonly Dimension[]) {
    this.def = def
    this.dims = def.fixed != null ? def.fixed(by) : by.filter(d => def.dimensions == null || def.dimensions.includes(d))
  }

  add (fact: Fact): void {
    const own = this.def.keyOf(fact)
    if (own === undefined) return
    let k = ''
    for (const d of this.dims) k += dimensionValue(d, fact) + '\u0000'
    for (const c of own) k += (c === null ? '\u0001' : String(c)) + '\u0000'
    let g = this.groups.get(k)
    if (g == null) {
      const key: Cell[] = this.dims.map(d => dimensionValue(d, fact))
      key.push(...own)
      g = { key, state: this.def.state() }
      this.groups.set(k, g)
    }
    this.def.add(g.state, fact)
  }

  table (): FigureTable {
    const rows = [...this.groups.values()].map(g => [...g.key, ...this.def.values(g.state)])
    const keys = this.dims.length + this.def.keys.length
    rows.sort((a, b) => compareKeys(a, b, keys))
    return { title: this.def.title, columns: [...this.dims, ...this.def.keys, ...this.def.measures], keys, rows }
  }
}

function compareKeys (a: Cell[], b: Cell[], n: number): number {
  for (let i = 0; i < n; i++) {
    const x = a[i]
    const y = b[i]
    if (x === y) continue
    if (x === null) return 1
    if (y === null) return -1
    if (typeof x === 'number' && typeof y === 'number') return x - y
    return String(x) < String(y) ? -1 : 1
  }
  return 0
}

const share = (part: number, whole: number): number | null => whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000
const pct = (h: Histogram): Cell[] => [h.percentile(0.5), h.percentile(0.9), h.percentile(0.99)]

// ---- the built-in figures ----------------------------------------------------------------------

registerFigure<{ total: number, accepted: number, rejected: number }>({
  id: 'messages',
  title: 'Messages exchanged, accepted and rejected',
  keys: ['direction'],
  measures: ['messages', 'accepted', 'rejected', 'pending'],
  keyOf: f => f.type === 'message' || f.type === 'outcome' ? [f.direction] : undefined,
  state: () => ({ total: 0, accepted: 0, rejected: 0 }),
  add: (s, f) => {
    if (f.type === 'message') s.total++
    else if (f.type === 'outcome' && f.status === 'accepted') s.accepted++
    else if (f.type === 'outcome') s.rejected++
  },
  values: s => [s.total, s.accepted, s.rejected, s.total - s.accepted - s.rejected]
})

registerFigure<{ n: number }>({
  id: 'rejections',
  title: 'Rejections by reason code',
  keys: ['direction', 'reason'],
  measures: ['rejected'],
  keyOf: f => f.type === 'outcome' && f.status === 'rejected' ? [f.direction, f.reason] : undefined,
  state: () => ({ n: 0 }),
  add: s => { s.n++ },
  values: s => [s.n]
})

registerFigure<Histogram>({
  id: 'delivery',
  title: 'Delivery time, sent to recipient\'s receipt (ms)',
  keys: [],
  measures: ['receipts', 'p50_ms', 'p90_ms', 'p99_ms', 'max_ms'],
  keyOf: f => f.type === 'outcome' && f.direction === 'out' && f.delayMs != null ? [] : undefined,
  state: () => new Histogram(),
  add: (h, f) => { if (f.type === 'outcome' && f.delayMs != null) h.add(f.delayMs) },
  values: h => [h.count, ...pct(h), h.count === 0 ? null : h.max]
})

/** Upper bounds (ms) of the delivery-time distribution's bars; the last bar is everything above. */
export const DELIVERY_BUCKETS_MS = [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 3_600_000, 86_400_000]

registerFigure<{ n: number }>({
  id: 'delivery_distribution',
  title: 'Delivery time distribution (receipts per time bucket)',
  keys: ['up_to_ms'],
  measures: ['receipts'],
  fixed: () => [],
  keyOf: f => {
    if (f.type !== 'outcome' || f.direction !== 'out' || f.delayMs == null) return undefined
    const d = f.delayMs
    return [DELIVERY_BUCKETS_MS.find(b => d <= b) ?? null]
  },
  state: () => ({ n: 0 }),
  add: s => { s.n++ },
  values: s => [s.n]
})

registerFigure<{ asked: number, answered: number, h: Histogram }>({
  id: 'rfi',
  title: 'Requests for information and their answers',
  keys: ['direction'],
  measures: ['requests', 'answered', 'answered_share', 'p50_answer_ms', 'p90_answer_ms'],
  keyOf: f => f.type === 'rfi' || f.type === 'answer' ? [f.direction] : undefined,
  state: () => ({ asked: 0, answered: 0, h: new Histogram() }),
  add: (s, f) => {
    if (f.type === 'rfi') s.asked++
    else if (f.type === 'answer') { s.answered++; s.h.add(f.delayMs) }
  },
  values: s => [s.asked, s.answered, share(s.answered, s.asked), s.h.percentile(0.5), s.h.percentile(0.9)]
})

registerFigure<{ requested: number, granted: number, denied: number, h: Histogram }>({
  id: 'releases',
  title: 'Release requests, decisions and turnaround',
  keys: ['direction'],
  measures: ['requested', 'granted', 'denied', 'undecided', 'p50_turnaround_ms', 'p90_turnaround_ms'],
  keyOf: f => f.type === 'release' ? [f.direction] : undefined,
  state: () => ({ requested: 0, granted: 0, denied: 0, h: new Histogram() }),
  add: (s, f) => {
    if (f.type !== 'release') return
    if (f.phase === 'requested') s.requested++
    else {
      if (f.phase === 'granted') s.granted++
      else s.denied++
      if (f.delayMs != null) s.h.add(f.delayMs)
    }
  },
  values: s => [s.requested, s.granted, s.denied, s.requested - s.granted - s.denied, s.h.percentile(0.5), s.h.percentile(0.9)]
})

registerFigure<{ n: number }>({
  id: 'forwards',
  title: 'Forwards (out: this node passed a message on; in: forwards received)',
  keys: ['direction'],
  measures: ['forwards'],
  keyOf: f => f.type === 'forward' ? [f.direction] : undefined,
  state: () => ({ n: 0 }),
  add: s => { s.n++ },
  values: s => [s.n]
})

interface FeedbackState { messages: number, rated: number, useful: number, notUseful: number, actioned: number, ledToOperation: number }

registerFigure<FeedbackState>({
  id: 'feedback',
  title: 'Feedback (out: ratings received on messages sent; in: ratings given on messages received)',
  keys: ['direction'],
  measures: ['messages', 'rated', 'rated_share', 'useful', 'not_useful', 'actioned', 'led_to_operation'],
  keyOf: f => (f.type === 'outcome' && f.status === 'accepted') || f.type === 'feedback' ? [f.direction] : undefined,
  state: () => ({ messages: 0, rated: 0, useful: 0, notUseful: 0, actioned: 0, ledToOperation: 0 }),
  add: (s, f) => {
    if (f.type === 'outcome') { s.messages++; return }
    if (f.type !== 'feedback') return
    s.rated++
    if (f.rating === 'useful') s.useful++
    else if (f.rating === 'not-useful') s.notUseful++
    else if (f.rating === 'actioned') s.actioned++
    else if (f.rating === 'led-to-operation') s.ledToOperation++
  },
  values: s => [s.messages, s.rated, share(s.rated, s.messages), s.useful, s.notUseful, s.actioned, s.ledToOperation]
})

registerFigure<{ n: number }>({
  id: 'trust',
  title: 'Suspensions, resumptions, revocations, key rotations and witness alerts',
  keys: ['event'],
  measures: ['events'],
  dimensions: ['peer', 'week', 'month'],
  keyOf: f => f.type === 'trust' ? [f.action] : undefined,
  state: () => ({ n: 0 }),
  add: s => { s.n++ },
  values: s => [s.n]
})

registerFigure<{ out: number, in: number }>({
  id: 'timeline',
  title: 'Messages over time per partner',
  keys: [],
  measures: ['sent', 'received'],
  fixed: by => [by.includes('month') && !by.includes('week') ? 'month' : 'week', 'peer'],
  keyOf: f => f.type === 'message' ? [] : undefined,
  state: () => ({ out: 0, in: 0 }),
  add: (s, f) => { if (f.type === 'message') s[f.direction]++ },
  values: s => [s.out, s.in]
})
