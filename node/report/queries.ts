/**
 * Hit/no-hit query figures (PROTOCOL.md §19), from the `query` audit entries both sides write
 * (node/query/exchange.ts) — never a selector, only the query id, peer, selector type, count,
 * legal basis, outcome and number of hits — and the follow-up `rfi` messages (topic
 * `query-follow-up`). The first plug-in of the registry: an entry hook (`Normaliser.hook`) that
 * turns entries into `query` facts, and figures (`registerFigure`) that count them.
 *
 * Roles: the asking node logs `query.sent`, then `query.result` (with `hits`) or
 * `query.refused` (the answerer's code, or its own `BAD_PROOF` / `OPRF_KEY_CHANGED`); the
 * answering node logs `query.answered` or `query.refused`. Both sides log `query.refused`, so a
 * refusal is the asking side's (direction out) when its query id was sent by this node — the
 * `queries` join map, deleted at the outcome — and the answering side's (in) otherwise. An
 * outcome is attributed to its query (the sent entry's time and period), as everywhere.
 *
 * @module
 */
import { Normaliser, str } from './facts.ts'
import type { Fact, MessageDims, RawEntry } from './fact.ts'
import { registerFigure } from './figures.ts'
import { Histogram } from './histogram.ts'

/** The topic of follow-up `rfi` messages (node/api/routes/query.ts FOLLOW_UP_TOPIC). */
export const FOLLOW_UP_TOPIC = 'query-follow-up'

interface Sent {
  at: number
  counted: boolean
  peer: string
  dims: MessageDims
  selectorType: string
  selectors: number
}

const count = (v: unknown): number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0

function onQuery (e: RawEntry, atMs: number, n: Normaliser): void {
  const sent = n.joinMap<Sent>('queries')
  const queryId = str(e.queryId)
  const role = e.role
  if (role === 'query.sent') {
    const q: Sent = { at: atMs, counted: n.inRange(atMs), peer: str(e.peer), dims: n.dims(e), selectorType: str(e.selectorType), selectors: count(e.count) }
    sent.set(queryId, q)
    if (q.counted) {
      n.emit({
        type: 'query',
        direction: 'out',
        phase: 'asked',
        at: q.at,
        peer: q.peer,
        dims: q.dims,
        selectorType: q.selectorType,
        selectors: q.selectors,
        hits: null,
        reason: null
      })
    }
    return
  }
  if (role !== 'query.result' && role !== 'query.refused' && role !== 'query.answered') return
  const asked = role === 'query.answered' ? undefined : sent.get(queryId)
  if (asked != null) {
    // The outcome of a query this node asked.
    sent.delete(queryId)
    if (!asked.counted) return
    const refused = role === 'query.refused'
    n.emit({
      type: 'query',
      direction: 'out',
      phase: refused ? 'refused' : 'answered',
      at: asked.at,
      peer: asked.peer,
      dims: asked.dims,
      selectorType: asked.selectorType,
      selectors: asked.selectors,
      hits: refused ? null : count(e.hits),
      reason: refused ? str(e.refused) : null
    })
    return
  }
  if (role === 'query.result') {
    n.missedJoin()
    return
  }
  // Asked of this node: answered or refused, one entry each.
  if (!n.inRange(atMs)) return
  n.emit({
    type: 'query',
    direction: 'in',
    phase: 'asked',
    at: atMs,
    peer: str(e.peer),
    dims: n.dims(e),
    selectorType: str(e.selectorType),
    selectors: count(e.count),
    hits: null,
    reason: null
  })
  const refused = role === 'query.refused'
  n.emit({
    type: 'query',
    direction: 'in',
    phase: refused ? 'refused' : 'answered',
    at: atMs,
    peer: str(e.peer),
    dims: n.dims(e),
    selectorType: str(e.selectorType),
    selectors: count(e.count),
    hits: null,
    reason: refused ? str(e.refused) : null
  })
}

Normaliser.hook('query', onQuery)

const share = (part: number, whole: number): number | null => whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000

interface QueryState {
  asker: boolean
  queries: number
  selectors: number
  answered: number
  answeredSelectors: number
  hits: number
  refused: number
}

registerFigure<QueryState>({
  id: 'queries',
  title: 'Hit/no-hit queries (out: asked by this node; in: asked of it)',
  keys: ['direction', 'selector_type'],
  measures: ['queries', 'selectors', 'answered', 'refused', 'no_outcome', 'hits', 'hit_rate'],
  dimensions: ['peer', 'agreement', 'week', 'month'],
  facts: ['query'],
  keyOf: f => f.type === 'query' ? [f.direction, f.selectorType] : undefined,
  state: () => ({ asker: false, queries: 0, selectors: 0, answered: 0, answeredSelectors: 0, hits: 0, refused: 0 }),
  add: (s, f) => {
    if (f.type !== 'query') return
    s.asker = f.direction === 'out'
    if (f.phase === 'asked') {
      s.queries++
      s.selectors += f.selectors
    } else if (f.phase === 'answered') {
      s.answered++
      s.answeredSelectors += f.selectors
      s.hits += f.hits ?? 0
    } else s.refused++
  },
  // Only the asking node learns hits (PROTOCOL.md §19.6): null on the answering side.
  values: s => [
    s.queries,
    s.selectors,
    s.answered,
    s.refused,
    s.queries - s.answered - s.refused,
    s.asker ? s.hits : null,
    s.asker ? share(s.hits, s.answeredSelectors) : null
  ]
})

registerFigure<{ n: number }>({
  id: 'query_refusals',
  title: 'Hit/no-hit queries refused, by code (out: refusals this node got or made of an answer; in: refusals it gave)',
  keys: ['direction', 'reason'],
  measures: ['refused'],
  dimensions: ['peer', 'agreement', 'week', 'month'],
  facts: ['query'],
  keyOf: f => f.type === 'query' && f.phase === 'refused' ? [f.direction, f.reason] : undefined,
  state: () => ({ n: 0 }),
  add: s => {
    s.n++
  },
  values: s => [s.n]
})

registerFigure<{ requests: number, answered: number, h: Histogram }>({
  id: 'query_follow_ups',
  title: 'Follow-ups of hits (rfi messages on topic query-follow-up) and their answers',
  keys: ['direction'],
  measures: ['follow_ups', 'answered', 'answered_share', 'p50_answer_ms', 'p90_answer_ms'],
  facts: ['rfi', 'answer'],
  keyOf: (f: Fact) => (f.type === 'rfi' || f.type === 'answer') && f.dims.topic === FOLLOW_UP_TOPIC ? [f.direction] : undefined,
  state: () => ({ requests: 0, answered: 0, h: new Histogram() }),
  add: (s, f) => {
    if (f.type === 'rfi') s.requests++
    else if (f.type === 'answer') {
      s.answered++
      s.h.add(f.delayMs)
    }
  },
  values: s => [s.requests, s.answered, share(s.answered, s.requests), s.h.percentile(0.5), s.h.percentile(0.9)],
  approximate: s => !s.h.exact
})
