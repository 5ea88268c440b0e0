/**
 * The figure registry. A figure is a table: it takes the facts it is about (facts.ts), groups
 * them by the report's breakdown dimensions plus its own key columns (direction, reason, …) and
 * keeps bounded state per group (counts, a Histogram). Adding a figure — as queries.ts does for
 * hit/no-hit queries — means a `Normaliser.hook` for the new entry type that emits facts, and a
 * FigureDef (`registerFigure`); the formats and `report verify` pick it up from the registry,
 * docs/report.md explains it. A new breakdown is a dimension (dimensions.ts).
 *
 * @module
 */
import { dimensionReader, dimensionValue } from './dimensions.ts'
import type { Fact } from './fact.ts'
import { Histogram } from './histogram.ts'
import type { Cell, Dimension, FigureTable } from './types.ts'

export { dimensionValue }

export interface FigureDef<S = unknown> {
  id: string
  title: string
  /** The figure's own key columns, after the breakdown dimensions. */
  keys: string[]
  measures: string[]
  /** Breakdown dimensions that apply (default all); `fixed` replaces the query's `by`. */
  dimensions?: readonly Dimension[]
  fixed?: (by: readonly Dimension[]) => Dimension[]
  /** The fact types keyOf can accept (an optimisation: others are not offered; default all). */
  facts?: ReadonlyArray<Fact['type']>
  /** The facts this figure counts, and under which own key values (undefined: not counted). */
  keyOf: (fact: Fact) => Cell[] | undefined
  state: () => S
  add: (state: S, fact: Fact) => void
  values: (state: S) => Cell[]
  /** Whether a group's percentiles are approximate (its histograms bucketed); default never. */
  approximate?: (state: S) => boolean
}

const REGISTRY = new Map<string, FigureDef>()

export function registerFigure<S> (def: FigureDef<S>): void {
  if (REGISTRY.has(def.id)) throw new Error(`figure ${def.id} is already registered`)
  REGISTRY.set(def.id, def as FigureDef)
}

export function figureDefs (): FigureDef[] {
  return [...REGISTRY.values()]
}

/**
 * The breakdown part of a fact's group, for one list of dimensions, as a small integer: figures
 * with the same list share one keyer (computeReport), so a fact's breakdown key is built and
 * looked up once, not once per figure, and each figure finds its row from that number (below).
 */
export class DimensionKeyer {
  readonly dims: readonly Dimension[]
  private readonly readers: Array<(fact: Fact) => string>
  /** A trie of the values, one level per dimension; the last level maps to the id. */
  private readonly root = new Map<string, unknown>()
  /** The dimension values of each id (a row's leading key cells). */
  readonly values: string[][] = []
  private last: Fact | null = null
  private lastId = 0

  constructor (dims: readonly Dimension[]) {
    this.dims = dims
    this.readers = dims.map(d => dimensionReader(d))
    if (dims.length === 0) this.values.push([])
  }

  id (fact: Fact): number {
    if (fact === this.last) return this.lastId
    const n = this.readers.length
    let id = 0
    if (n > 0) {
      let level = this.root
      for (let i = 0; i < n - 1; i++) {
        const v = this.readers[i](fact)
        let next = level.get(v) as Map<string, unknown> | undefined
        if (next === undefined) level.set(v, next = new Map())
        level = next
      }
      const v = this.readers[n - 1](fact)
      const known = level.get(v) as number | undefined
      if (known === undefined) {
        id = this.values.length
        level.set(v, id)
        this.values.push(this.readers.map(r => r(fact)))
      } else {
        id = known
      }
    }
    this.last = fact
    this.lastId = id
    return id
  }
}

/** The dimensions a figure breaks down by, for a query's `by`. */
export function figureDimensions (def: FigureDef, by: readonly Dimension[]): Dimension[] {
  return def.fixed != null ? def.fixed(by) : by.filter(d => def.dimensions == null || def.dimensions.includes(d))
}

interface Group {
  key: Cell[]
  state: unknown
}

/** A figure's own key cells as one Map key (a single cell is its own key: no string is built). */
function ownKey (own: Cell[]): Cell {
  if (own.length === 1) return own[0]
  let k = ''
  for (const c of own) k += (c === null ? '\u0001' : typeof c === 'number' ? 'n' + String(c) : 's' + c) + '\u0000'
  return k
}

/**
 * One figure being computed: state per group, found in two steps — the breakdown's id from the
 * shared keyer indexes an array, and within it the figure's own key cells (none: the group
 * itself; otherwise a Map by the cell, or by the cells joined) — so counting a fact builds no
 * key string and creates no object unless it opens a group.
 */
export class FigureAccumulator {
  readonly def: FigureDef
  readonly dims: readonly Dimension[]
  private readonly keyer: DimensionKeyer
  /** By breakdown id: the group (a figure without own keys) or the Map of its groups by own key. */
  private readonly byDims: Array<Group | Map<Cell, Group> | undefined> = []
  private readonly groups: Group[] = []
  private readonly ownKeys: boolean

  constructor (def: FigureDef, by: readonly Dimension[], keyer?: DimensionKeyer) {
    this.def = def
    this.keyer = keyer ?? new DimensionKeyer(figureDimensions(def, by))
    this.dims = this.keyer.dims
    this.ownKeys = def.keys.length > 0
  }

  add (fact: Fact): void {
    const own = this.def.keyOf(fact)
    if (own === undefined) return
    const id = this.keyer.id(fact)
    let g: Group | undefined
    if (!this.ownKeys) {
      g = this.byDims[id] as Group | undefined
      if (g === undefined) this.byDims[id] = g = this.open(id, own)
    } else {
      let inner = this.byDims[id] as Map<Cell, Group> | undefined
      if (inner === undefined) this.byDims[id] = inner = new Map()
      const k = ownKey(own)
      g = inner.get(k)
      if (g === undefined) inner.set(k, g = this.open(id, own))
    }
    this.def.add(g.state, fact)
  }

  private open (id: number, own: Cell[]): Group {
    const key: Cell[] = [...this.keyer.values[id], ...own]
    const g = { key, state: this.def.state() }
    this.groups.push(g)
    return g
  }

  table (): FigureTable {
    const approx = this.def.approximate
    const built = this.groups.map(g => ({ row: [...g.key, ...this.def.values(g.state)], approximate: approx?.(g.state) === true }))
    const keys = this.dims.length + this.def.keys.length
    built.sort((a, b) => compareKeys(a.row, b.row, keys))
    const table: FigureTable = { title: this.def.title, columns: [...this.dims, ...this.def.keys, ...this.def.measures], keys, rows: built.map(b => b.row) }
    const approximate = built.flatMap((b, i) => b.approximate ? [i] : [])
    if (approximate.length > 0) table.approximate = approximate
    return table
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
  facts: ['message', 'outcome'],
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
  facts: ['outcome'],
  keyOf: f => f.type === 'outcome' && f.status === 'rejected' ? [f.direction, f.reason] : undefined,
  state: () => ({ n: 0 }),
  add: s => {
    s.n++
  },
  values: s => [s.n]
})

registerFigure<Histogram>({
  id: 'delivery',
  title: "Delivery time, sent to recipient's receipt (ms)",
  keys: [],
  measures: ['receipts', 'p50_ms', 'p90_ms', 'p99_ms', 'max_ms'],
  facts: ['outcome'],
  keyOf: f => f.type === 'outcome' && f.direction === 'out' && f.delayMs != null ? [] : undefined,
  state: () => new Histogram(),
  add: (h, f) => {
    if (f.type === 'outcome' && f.delayMs != null) h.add(f.delayMs)
  },
  values: h => [h.count, ...pct(h), h.count === 0 ? null : h.max],
  approximate: h => !h.exact
})

/** Upper bounds (ms) of the delivery-time distribution's bars; the last bar is everything above. */
export const DELIVERY_BUCKETS_MS = [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 3_600_000, 86_400_000]

registerFigure<{ n: number }>({
  id: 'delivery_distribution',
  title: 'Delivery time distribution (receipts per time bucket)',
  keys: ['up_to_ms'],
  measures: ['receipts'],
  fixed: () => [],
  facts: ['outcome'],
  keyOf: f => {
    if (f.type !== 'outcome' || f.direction !== 'out' || f.delayMs == null) return undefined
    const d = f.delayMs
    return [DELIVERY_BUCKETS_MS.find(b => d <= b) ?? null]
  },
  state: () => ({ n: 0 }),
  add: s => {
    s.n++
  },
  values: s => [s.n]
})

interface OutboxState {
  queued: number
  left: number
  waiting: number
  expired: number
  untracked: number
  h: Histogram
  oldest: number | null
}

registerFigure<OutboxState>({
  id: 'outbox',
  title: "Time waiting in the outbox, enqueued to the recipient's receipt (ms), and what still waits",
  keys: ['payload'],
  measures: ['queued', 'left', 'waiting', 'expired', 'untracked', 'p50_wait_ms', 'p90_wait_ms', 'p99_wait_ms', 'oldest_waiting_ms'],
  facts: ['outbox'],
  keyOf: f => f.type === 'outbox' ? [f.payload] : undefined,
  state: () => ({ queued: 0, left: 0, waiting: 0, expired: 0, untracked: 0, h: new Histogram(), oldest: null }),
  add: (s, f) => {
    if (f.type !== 'outbox') return
    s[f.phase]++
    if (f.phase === 'left' && f.delayMs != null) s.h.add(f.delayMs)
    if (f.phase === 'waiting' && f.delayMs != null) s.oldest = Math.max(s.oldest ?? 0, f.delayMs)
  },
  values: s => [s.queued, s.left, s.waiting, s.expired, s.untracked, ...pct(s.h), s.oldest],
  approximate: s => !s.h.exact
})

interface OutboxSplitState {
  left: number
  timed: number
  toSend: Histogram
  afterSend: Histogram
}

registerFigure<OutboxSplitState>({
  id: 'outbox_split',
  title: "Time in the outbox split: enqueued to first transmission, first transmission to the recipient's receipt (ms)",
  keys: ['payload'],
  measures: [
    'left',
    'without_sent_at',
    'p50_to_first_send_ms',
    'p90_to_first_send_ms',
    'p99_to_first_send_ms',
    'p50_send_to_receipt_ms',
    'p90_send_to_receipt_ms',
    'p99_send_to_receipt_ms'
  ],
  facts: ['outbox'],
  keyOf: f => f.type === 'outbox' && f.phase === 'left' ? [f.payload] : undefined,
  state: () => ({ left: 0, timed: 0, toSend: new Histogram(), afterSend: new Histogram() }),
  add: (s, f) => {
    if (f.type !== 'outbox' || f.phase !== 'left') return
    s.left++
    if (f.sentMs == null || f.delayMs == null) return
    s.timed++
    // Both on this node's clock; a transmission is never before the enqueue nor after the receipt (clamped if the clock stepped).
    const toSend = Math.min(Math.max(0, f.sentMs - f.at), f.delayMs)
    s.toSend.add(toSend)
    s.afterSend.add(f.delayMs - toSend)
  },
  values: s => [s.left, s.left - s.timed, ...pct(s.toSend), ...pct(s.afterSend)],
  approximate: s => !s.toSend.exact || !s.afterSend.exact
})

registerFigure<{ asked: number, answered: number, h: Histogram }>({
  id: 'rfi',
  title: 'Requests for information and their answers',
  keys: ['direction'],
  measures: ['requests', 'answered', 'answered_share', 'p50_answer_ms', 'p90_answer_ms'],
  facts: ['rfi', 'answer'],
  keyOf: f => f.type === 'rfi' || f.type === 'answer' ? [f.direction] : undefined,
  state: () => ({ asked: 0, answered: 0, h: new Histogram() }),
  add: (s, f) => {
    if (f.type === 'rfi') s.asked++
    else if (f.type === 'answer') {
      s.answered++
      s.h.add(f.delayMs)
    }
  },
  values: s => [s.asked, s.answered, share(s.answered, s.asked), s.h.percentile(0.5), s.h.percentile(0.9)],
  approximate: s => !s.h.exact
})

registerFigure<{ requested: number, granted: number, denied: number, h: Histogram }>({
  id: 'releases',
  title: 'Release requests, decisions and turnaround',
  keys: ['direction'],
  measures: ['requested', 'granted', 'denied', 'undecided', 'p50_turnaround_ms', 'p90_turnaround_ms'],
  facts: ['release'],
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
  values: s => [s.requested, s.granted, s.denied, s.requested - s.granted - s.denied, s.h.percentile(0.5), s.h.percentile(0.9)],
  approximate: s => !s.h.exact
})

registerFigure<{ n: number }>({
  id: 'forwards',
  title: 'Forwards (out: this node passed a message on; in: forwards received)',
  keys: ['direction'],
  measures: ['forwards'],
  facts: ['forward'],
  keyOf: f => f.type === 'forward' ? [f.direction] : undefined,
  state: () => ({ n: 0 }),
  add: s => {
    s.n++
  },
  values: s => [s.n]
})

interface FeedbackState {
  messages: number
  rated: number
  useful: number
  notUseful: number
  actioned: number
  ledToOperation: number
}

registerFigure<FeedbackState>({
  id: 'feedback',
  title: 'Feedback (out: ratings received on messages sent; in: ratings given on messages received)',
  keys: ['direction'],
  measures: ['messages', 'rated', 'rated_share', 'useful', 'not_useful', 'actioned', 'led_to_operation'],
  facts: ['outcome', 'feedback'],
  keyOf: f => (f.type === 'outcome' && f.status === 'accepted') || f.type === 'feedback' ? [f.direction] : undefined,
  state: () => ({ messages: 0, rated: 0, useful: 0, notUseful: 0, actioned: 0, ledToOperation: 0 }),
  add: (s, f) => {
    if (f.type === 'outcome') {
      s.messages++
      return
    }
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
  facts: ['trust'],
  keyOf: f => f.type === 'trust' ? [f.action] : undefined,
  state: () => ({ n: 0 }),
  add: s => {
    s.n++
  },
  values: s => [s.n]
})

registerFigure<{ out: number, in: number }>({
  id: 'timeline',
  title: 'Messages over time per partner',
  keys: [],
  measures: ['sent', 'received'],
  fixed: by => [by.includes('month') && !by.includes('week') ? 'month' : 'week', 'peer'],
  facts: ['message'],
  keyOf: f => f.type === 'message' ? [] : undefined,
  state: () => ({ out: 0, in: 0 }),
  add: (s, f) => {
    if (f.type === 'message') s[f.direction]++
  },
  values: s => [s.out, s.in]
})
