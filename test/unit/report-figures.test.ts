/**
 * The figures added for issue 19's second round, on scripted entries: the outbox (queued, left,
 * waiting, expired, forgotten), hit/no-hit queries on both sides (asked, answered, refused by
 * code, no outcome, hits and hit rate, follow-ups) and a dimension registered by a capability
 * (`--by` without editing compute.ts), through the same Normaliser → FigureAccumulator path
 * computeReport takes.
 */
import { describe, expect, it } from 'vitest'
import { Normaliser } from '../../node/report/facts.ts'
import type { Fact, RawEntry } from '../../node/report/fact.ts'
import { FigureAccumulator, figureDefs } from '../../node/report/figures.ts'
import { registerDimension } from '../../node/report/dimensions.ts'
import { EXACT_DISTINCT, Histogram } from '../../node/report/histogram.ts'
import { reportQuery } from '../../node/report/compute.ts'
import { FOLLOW_UP_TOPIC } from '../../node/report/queries.ts'
import { FOLLOW_UP_TOPIC as ROUTE_TOPIC } from '../../node/api/routes/query.ts'
import type { Cell } from '../../node/report/types.ts'
import { generateSigner } from '../../protocol/keys.ts'

const self = generateSigner().signer.peerId
const peer = generateSigner().signer.peerId
const other = generateSigner().signer.peerId
const D = (n: number): string => n.toString(16).padStart(64, '0')
const T0 = Date.UTC(2026, 11, 1)
const at = (ms: number): string => new Date(T0 + ms).toISOString()
const MESSAGE = 'application/vnd.liaison.message.v1+json'
const FEEDBACK = 'application/vnd.liaison.feedback.v1+json'

function sent (n: number, ms: number, over: Partial<RawEntry> = {}): RawEntry {
  return {
    type: 'message.sent',
    at: at(ms),
    digest: D(n),
    payloadType: MESSAGE,
    id: `id-${n}`,
    kind: 'report',
    from: self,
    to: [peer],
    tlp: 'GREEN',
    topic: 'fraud',
    legalBasis: 'EU-1',
    expires: at(86_400_000),
    ...over
  }
}
function received (n: number, ms: number, over: Partial<RawEntry> = {}): RawEntry {
  return {
    type: 'message.received',
    at: at(ms),
    digest: D(n),
    payloadType: MESSAGE,
    id: `id-${n}`,
    kind: 'report',
    from: peer,
    to: [self],
    tlp: 'GREEN',
    topic: 'fraud',
    legalBasis: 'EU-1',
    expires: at(86_400_000),
    ...over
  }
}
const receipt = (n: number, ms: number, by = peer): RawEntry => ({ type: 'receipt.stored', at: at(ms), for: D(n), by, status: 'accepted', reason: null })
const query = (role: string, id: string, ms: number, over: Partial<RawEntry> = {}): RawEntry => ({
  type: 'query',
  at: at(ms),
  role,
  queryId: id,
  queryDigest: D(999),
  peer,
  selectorType: 'phone',
  count: 5,
  legalBasis: 'EU-1',
  purpose: 'case',
  hits: null,
  refused: null,
  keyId: 'k',
  ...over
})

/** Figure `id` over `entries`, as objects keyed by column. */
function figure (id: string, entries: RawEntry[], by: string[] = [], joinLimit = 100): Array<Record<string, Cell>> {
  const def = figureDefs().find(d => d.id === id)!
  const acc = new FigureAccumulator(def, by)
  const n = new Normaliser({
    self,
    fromMs: -Infinity,
    toMs: Infinity,
    joinLimit,
    emit: f => {
      acc.add(f)
    }
  })
  for (const e of entries) n.add(e)
  n.finish()
  const t = acc.table()
  return t.rows.map(r => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])))
}

describe('report: histogram regimes', () => {
  it('is exact up to EXACT_DISTINCT distinct durations of a second or more, then within 1 %, whatever the order', () => {
    const exact = new Histogram()
    exact.add(60_000)
    exact.add(1_234)
    expect([exact.percentile(0.5), exact.percentile(1)]).toEqual([1_234, 60_000])
    const values = Array.from({ length: EXACT_DISTINCT + 500 }, (_, i) => 1_000 + i * 7)
    const a = new Histogram()
    const b = new Histogram()
    for (const v of values) a.add(v)
    for (const v of [...values].reverse()) b.add(v)
    const p = (h: Histogram): Array<number | null> => [h.percentile(0.5), h.percentile(0.9), h.percentile(0.99)]
    expect(p(a)).toEqual(p(b))
    const sorted = [...values].sort((x, y) => x - y)
    for (const [q, got] of [[0.5, a.percentile(0.5)], [0.99, a.percentile(0.99)]] as const) {
      const truth = sorted[Math.ceil(q * sorted.length) - 1]
      expect(got as number).toBeLessThanOrEqual(truth)
      expect(got as number).toBeGreaterThanOrEqual(truth * 0.99)
    }
    expect([exact.exact, a.exact]).toEqual([true, false])
  })

  it("marks the rows whose percentiles became approximate in the table's `approximate`, and only those", () => {
    const def = figureDefs().find(d => d.id === 'delivery')!
    const acc = new FigureAccumulator(def, ['peer'])
    const outcome = (peer: string, delayMs: number): Fact => ({
      type: 'outcome',
      direction: 'out',
      at: 0,
      peer,
      dims: {},
      status: 'accepted',
      reason: null,
      delayMs
    })
    // peer-a: EXACT_DISTINCT distinct durations of a second or more (still exact); peer-b: one more (bucketed); peer-c: many, all under a second.
    for (let i = 0; i < EXACT_DISTINCT; i++) acc.add(outcome('peer-a', 1_000 + i))
    for (let i = 0; i <= EXACT_DISTINCT; i++) acc.add(outcome('peer-b', 1_000 + i))
    for (let i = 0; i < 5 * EXACT_DISTINCT; i++) acc.add(outcome('peer-c', i % 1_000))
    const t = acc.table()
    expect(t.rows.map(r => r[0])).toEqual(['peer-a', 'peer-b', 'peer-c'])
    expect(t.approximate).toEqual([1])
    const exactOnly = new FigureAccumulator(def, ['peer'])
    exactOnly.add(outcome('peer-a', 5_000))
    expect('approximate' in exactOnly.table()).toBe(false)
  })
})

describe('report: the outbox split at the first transmission', () => {
  it("splits enqueued → receipt at the receipt entry's sentAt, and counts the receipts logged without one", () => {
    const rows = figure('outbox_split', [
      sent(1, 0),
      { ...receipt(1, 1500), sentAt: at(1200) }, // 1.2 s waiting for a first transmission (peer offline), 0.3 s after it
      sent(2, 10),
      { ...receipt(2, 110), sentAt: at(20) }, // 10 ms, then 90 ms
      sent(3, 20),
      receipt(3, 60), // logged before receipt.stored had sentAt: left, not split
      sent(4, 30),
      { ...receipt(4, 40), sentAt: null }, // a receipt whose transmission time is not known
      sent(5, 40) // still waiting: not in this figure
    ])
    expect(rows).toEqual([{
      payload: 'message',
      left: 4,
      without_sent_at: 2,
      p50_to_first_send_ms: 10,
      p90_to_first_send_ms: 1200,
      p99_to_first_send_ms: 1200,
      p50_send_to_receipt_ms: 90,
      p90_send_to_receipt_ms: 300,
      p99_send_to_receipt_ms: 300
    }])
    // The parts add up to the outbox figure's wait of each delivery.
    expect(figure('outbox', [sent(1, 0), { ...receipt(1, 1500), sentAt: at(1200) }])[0].p50_wait_ms).toBe(1500)
  })
})

describe('report: the outbox figure', () => {
  it('counts what left with a receipt, what still waits, what expired and what was forgotten', () => {
    const rows = figure('outbox', [
      sent(1, 0),
      receipt(1, 1500), // left after 1.5 s
      sent(2, 10, { to: [peer, other] }),
      receipt(2, 510), // one of two left; the other still waits
      sent(3, 20, { expires: at(1000) }), // expired before the last entry
      sent(4, 30, { payloadType: FEEDBACK }),
      receipt(4, 40),
      sent(5, 5000)
    ])
    expect(rows).toEqual([
      {
        payload: 'feedback',
        queued: 1,
        left: 1,
        waiting: 0,
        expired: 0,
        untracked: 0,
        p50_wait_ms: 10,
        p90_wait_ms: 10,
        p99_wait_ms: 10,
        oldest_waiting_ms: null
      },
      // waiting: message 2 to `other` (5,000 - 10 ms) and message 5 (0 ms, sealed last).
      {
        payload: 'message',
        queued: 5,
        left: 2,
        waiting: 2,
        expired: 1,
        untracked: 0,
        p50_wait_ms: 500,
        p90_wait_ms: 1500,
        p99_wait_ms: 1500,
        oldest_waiting_ms: 4990
      }
    ])
  })

  it('counts deliveries forgotten beyond the join limit as untracked (queued = left + waiting + expired + untracked)', () => {
    const rows = figure('outbox', [sent(1, 0), sent(2, 1), sent(3, 2), receipt(3, 3), receipt(1, 4)], [], 2)
    expect(rows).toEqual([{
      payload: 'message',
      queued: 3,
      left: 1,
      waiting: 1,
      expired: 0,
      untracked: 1,
      p50_wait_ms: 1,
      p90_wait_ms: 1,
      p99_wait_ms: 1,
      oldest_waiting_ms: 3
    }])
  })
})

describe('report: hit/no-hit query figures', () => {
  const entries: RawEntry[] = [
    // Asked by this node: answered with 2 hits of 5, refused by the peer, refused locally (BAD_PROOF), and one without outcome.
    query('query.sent', 'q1', 0),
    query('query.result', 'q1', 100, { hits: 2 }),
    query('query.sent', 'q2', 200, { count: 3 }),
    query('query.refused', 'q2', 300, { count: 3, refused: 'QUOTA_EXCEEDED' }),
    query('query.sent', 'q3', 400),
    query('query.refused', 'q3', 500, { refused: 'BAD_PROOF' }),
    query('query.sent', 'q4', 600, { selectorType: 'email', count: 1 }),
    // Asked of this node by the peer: answered once, refused twice.
    query('query.answered', 'r1', 700, { count: 4 }),
    query('query.refused', 'r2', 800, { count: 1, refused: 'SELECTOR_TYPE_NOT_PERMITTED' }),
    query('query.refused', 'r3', 900, { count: 1, refused: 'SELECTOR_TYPE_NOT_PERMITTED' }),
    // A follow-up of a hit (an rfi on the follow-up topic), answered by the peer.
    sent(10, 1000, { kind: 'rfi', topic: FOLLOW_UP_TOPIC }),
    receipt(10, 1010),
    received(11, 61_000, { kind: 'response', topic: FOLLOW_UP_TOPIC }),
    { type: 'message.replied', at: at(61_000), digest: D(11), inReplyTo: 'id-10' },
    // And one received, not answered.
    received(12, 62_000, { kind: 'rfi', topic: FOLLOW_UP_TOPIC })
  ]

  it('counts queries, selectors, outcomes, hits and the hit rate on each side', () => {
    expect(figure('queries', entries, ['peer'])).toEqual([
      { peer, direction: 'in', selector_type: 'phone', queries: 3, selectors: 6, answered: 1, refused: 2, no_outcome: 0, hits: null, hit_rate: null },
      { peer, direction: 'out', selector_type: 'email', queries: 1, selectors: 1, answered: 0, refused: 0, no_outcome: 1, hits: 0, hit_rate: null },
      { peer, direction: 'out', selector_type: 'phone', queries: 3, selectors: 13, answered: 1, refused: 2, no_outcome: 0, hits: 2, hit_rate: 0.4 }
    ])
  })

  it('counts refusals by code, on the side that got or gave them', () => {
    expect(figure('query_refusals', entries)).toEqual([
      { direction: 'in', reason: 'SELECTOR_TYPE_NOT_PERMITTED', refused: 2 },
      { direction: 'out', reason: 'BAD_PROOF', refused: 1 },
      { direction: 'out', reason: 'QUOTA_EXCEEDED', refused: 1 }
    ])
  })

  it('counts follow-ups and their answers', () => {
    expect(FOLLOW_UP_TOPIC).toBe(ROUTE_TOPIC)
    expect(figure('query_follow_ups', entries)).toEqual([
      { direction: 'in', follow_ups: 1, answered: 0, answered_share: 0, p50_answer_ms: null, p90_answer_ms: null },
      { direction: 'out', follow_ups: 1, answered: 1, answered_share: 1, p50_answer_ms: 60_000, p90_answer_ms: 60_000 }
    ])
  })
})

describe('report: a dimension registered by a capability', () => {
  it('breaks every message figure down by it, carried from the message to its receipts, without touching compute.ts', () => {
    registerDimension({ id: 'taskforce-test', description: 'test', fromEntry: e => e.taskForce })
    expect(reportQuery({ by: ['taskforce-test'] }).by).toEqual(['taskforce-test'])
    const rows = figure('messages', [sent(1, 0, { taskForce: 'TF-1' }), sent(2, 1), receipt(1, 5), receipt(2, 6)], ['taskforce-test'])
    expect(rows).toEqual([
      { 'taskforce-test': '-', direction: 'out', messages: 1, accepted: 1, rejected: 0, pending: 0 },
      { 'taskforce-test': 'TF-1', direction: 'out', messages: 1, accepted: 1, rejected: 0, pending: 0 }
    ])
    // Figures that list their dimensions ignore it.
    expect(figure('trust', [], ['taskforce-test'])).toEqual([])
    expect(() => registerDimension({ id: 'peer', description: 'again', ofFact: f => f.peer })).toThrow(/already registered/)
  })
})
