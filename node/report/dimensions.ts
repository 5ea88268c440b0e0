/**
 * The dimension registry: what `--by` can break a report down by. A dimension is either
 *
 * - a **message dimension** (`fromEntry`): read from a message's own audit entry
 *   (`message.sent` / `message.received`) and kept with the message, so every fact about that
 *   message — its receipts, its answer, a release request for it, a forward, a rating — carries
 *   the same value (topic, agreement, kind, TLP; a task force once messages carry one); or
 * - a **fact dimension** (`ofFact`): computed from any fact (the counterpart peer, the week).
 *
 * A later capability adds one with `registerDimension` before reports are computed, without
 * editing compute.ts; figures that list their `dimensions` (e.g. `trust`) ignore it, the others
 * break down by it. Facts that do not concern a message (a refused frame, a trust event, a
 * query) have `-` for every message dimension unless the entry hook that makes them sets one.
 *
 * @module
 */
import type { Fact, RawEntry } from './fact.ts'
import { isoWeek, month } from './periods.ts'
import { UNKNOWN } from './types.ts'

export interface DimensionDef {
  /** The `--by` value; lower case, [a-z0-9-]. */
  id: string
  /** One line for docs and `--help`. */
  description: string
  /** A message dimension: its value in a message entry (a non-empty string, else `-`). */
  fromEntry?: (entry: RawEntry) => unknown
  /** A fact dimension: its value for any fact. */
  ofFact?: (fact: Fact) => string
}

const REGISTRY = new Map<string, DimensionDef>()
let messageDims: DimensionDef[] = []

export function registerDimension (def: DimensionDef): void {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(def.id)) throw new Error(`dimension id ${JSON.stringify(def.id)} must match [a-z][a-z0-9-]{0,31}`)
  if (REGISTRY.has(def.id)) throw new Error(`dimension ${def.id} is already registered`)
  if ((def.fromEntry == null) === (def.ofFact == null)) throw new Error(`dimension ${def.id} needs exactly one of fromEntry and ofFact`)
  REGISTRY.set(def.id, def)
  messageDims = [...REGISTRY.values()].filter(d => d.fromEntry != null)
}

export function dimensionDefs (): DimensionDef[] {
  return [...REGISTRY.values()]
}

export function isDimension (id: string): boolean {
  return REGISTRY.has(id)
}

/** The message dimensions, in registration order. */
export function messageDimensions (): readonly DimensionDef[] {
  return messageDims
}

const PERIOD_CACHE = new Map<number, string>()

/** Week or month of an epoch ms, memoised per day (the hot path of every figure). */
function period (dim: 'week' | 'month', at: number): string {
  const key = Math.floor(at / 86_400_000) * 2 + (dim === 'week' ? 0 : 1)
  let v = PERIOD_CACHE.get(key)
  if (v == null) {
    v = dim === 'week' ? isoWeek(at) : month(at)
    if (PERIOD_CACHE.size > 10_000) PERIOD_CACHE.clear()
    PERIOD_CACHE.set(key, v)
  }
  return v
}

/** The value of a dimension for a fact. */
export function dimensionValue (dim: string, fact: Fact): string {
  const def = REGISTRY.get(dim)
  if (def?.ofFact != null) return def.ofFact(fact)
  return fact.dims[dim] ?? UNKNOWN
}

/** dimensionValue for one dimension, its definition looked up once (for a reader of every fact). */
export function dimensionReader (dim: string): (fact: Fact) => string {
  const ofFact = REGISTRY.get(dim)?.ofFact
  return ofFact ?? (fact => fact.dims[dim] ?? UNKNOWN)
}

const text = (field: string) => (e: RawEntry): unknown => e[field]

registerDimension({
  id: 'peer',
  description: 'the counterpart: recipient, sender, requester, originator, witness, queried or querying node',
  ofFact: f => f.peer
})
registerDimension({ id: 'topic', description: "the message's topic", fromEntry: text('topic') })
registerDimension({ id: 'agreement', description: "the message's (or query's) legal basis, the agreement id", fromEntry: text('legalBasis') })
registerDimension({ id: 'kind', description: 'the message kind (report, rfi, response, …)', fromEntry: text('kind') })
registerDimension({ id: 'tlp', description: "the message's TLP", fromEntry: text('tlp') })
registerDimension({ id: 'week', description: 'ISO 8601 week, UTC (2026-W49)', ofFact: f => period('week', f.at) })
registerDimension({ id: 'month', description: 'calendar month, UTC (2026-12)', ofFact: f => period('month', f.at) })
