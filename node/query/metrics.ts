/**
 * Prometheus metrics of hit/no-hit queries (docs/metrics.md), registered on the node's own
 * registry by node/runtime/metrics.ts when the node runs a query exchange. They listen to the
 * exchange's `query` and `key-rotated` events. Labels are the peer ID, the selector *type*
 * (`phone`, `iban`, …), the outcome or refusal code and the rotation reason — never a
 * selector, blinded element, OPRF output, tag, legal basis or purpose.
 *
 * @module
 */
import type * as PromClient from 'prom-client'

/** What the exchange reports per query, on either side. */
export interface QueryMetricEvent {
  /** `asked`: this node asked; `answered`: this node answered (or refused). */
  readonly side: 'asked' | 'answered'
  readonly peer: string
  readonly type: string
  /** Selectors in the query. */
  readonly count: number
  /** `result` (asked, finalised), `evaluated` (answered), or the refusal code. */
  readonly outcome: string
  /** Asked side, on a result. */
  readonly hits?: number
  /** Answered side, when the peer has a grant: its selectors in the rolling day after this query, and its quota. */
  readonly quotaUsed?: number
  readonly quotaLimit?: number
}

type Listener<A extends unknown[]> = (...args: A) => void

/** The exchange as the metrics see it. */
export interface QueryEvents {
  on(event: 'query', fn: Listener<[QueryMetricEvent]>): unknown
  on(event: 'key-rotated', fn: Listener<[{ reason: string }]>): unknown
  off(event: 'query', fn: Listener<[QueryMetricEvent]>): unknown
  off(event: 'key-rotated', fn: Listener<[{ reason: string }]>): unknown
}

/** prom-client's constructors, as node/runtime/metrics.ts loads them. */
export interface PromConstructors {
  readonly Counter: typeof PromClient.Counter
  readonly Gauge: typeof PromClient.Gauge
}

/** Registers the query metrics; returns the function that stops listening. */
export function registerQueryMetrics (prom: PromConstructors, registry: PromClient.Registry, queries: QueryEvents): () => void {
  const registers = [registry]
  const asked = new prom.Counter({
    name: 'liaison_queries_asked_total',
    help: "Hit/no-hit queries this node sent, by peer, selector type and outcome (result, or the refusal code: the peer's, or BAD_PROOF, FILTER_STALE, " +
      'OPRF_KEY_CHANGED …).',
    labelNames: ['peer', 'type', 'outcome'],
    registers
  })
  const answered = new prom.Counter({
    name: 'liaison_queries_answered_total',
    help: 'Hit/no-hit queries this node answered, by asking peer, selector type and outcome (evaluated, or the refusal code).',
    labelNames: ['peer', 'type', 'outcome'],
    registers
  })
  const evaluated = new prom.Counter({
    name: 'liaison_query_selectors_evaluated_total',
    help: 'Blinded selectors this node evaluated for a peer (what its quota counts), by peer and type.',
    labelNames: ['peer', 'type'],
    registers
  })
  const askedSelectors = new prom.Counter({
    name: 'liaison_query_selectors_asked_total',
    help: "Selectors in this node's queries that got a result, by peer and type.",
    labelNames: ['peer', 'type'],
    registers
  })
  const hits = new prom.Counter({
    name: 'liaison_query_hits_total',
    help: 'Hits among those selectors, by peer and type.',
    labelNames: ['peer', 'type'],
    registers
  })
  const quotaUsed = new prom.Gauge({
    name: 'liaison_query_quota_used',
    help: 'Selectors a peer had evaluated in the rolling 24 hours, as of its last query.',
    labelNames: ['peer'],
    registers
  })
  const quotaLimit = new prom.Gauge({
    name: 'liaison_query_quota_limit',
    help: "A peer's daily selector quota, as of its last query.",
    labelNames: ['peer'],
    registers
  })
  const rotations = new prom.Counter({
    name: 'liaison_query_key_rotations_total',
    help: 'OPRF key rotations (index re-keyed), by reason (schedule, operator, identity rotation).',
    labelNames: ['reason'],
    registers
  })
  const onQuery = (e: QueryMetricEvent): void => {
    if (e.side === 'asked') {
      asked.inc({ peer: e.peer, type: e.type, outcome: e.outcome })
      if (e.outcome === 'result') {
        askedSelectors.inc({ peer: e.peer, type: e.type }, e.count)
        hits.inc({ peer: e.peer, type: e.type }, e.hits ?? 0)
      }
      return
    }
    answered.inc({ peer: e.peer, type: e.type, outcome: e.outcome })
    if (e.outcome === 'evaluated') evaluated.inc({ peer: e.peer, type: e.type }, e.count)
    if (e.quotaUsed !== undefined) quotaUsed.set({ peer: e.peer }, e.quotaUsed)
    if (e.quotaLimit !== undefined) quotaLimit.set({ peer: e.peer }, e.quotaLimit)
  }
  const onRotated = (r: { reason: string }): void => {
    rotations.inc({ reason: r.reason })
  }
  queries.on('query', onQuery)
  queries.on('key-rotated', onRotated)
  return () => {
    queries.off('query', onQuery)
    queries.off('key-rotated', onRotated)
  }
}
