import { describe, expect, it } from 'vitest'
import { Histogram } from '../../node/report/histogram.ts'
import { isoWeek, month } from '../../node/report/periods.ts'
import { Normaliser } from '../../node/report/facts.ts'
import type { Fact, RawEntry } from '../../node/report/fact.ts'
import { FigureAccumulator, figureDefs } from '../../node/report/figures.ts'
import { reportQuery } from '../../node/report/compute.ts'
import { readReportFile } from '../../node/report/verify-report.ts'
import { formatCsv } from '../../node/report/format-text.ts'
import { REPORT_FORMAT, type Report } from '../../node/report/types.ts'
import { generateSigner } from '../../protocol/keys.ts'

const self = generateSigner().signer.peerId
const peer = generateSigner().signer.peerId
const D = (n: number): string => n.toString(16).padStart(64, '0')
const at = (ms: number): string => new Date(Date.UTC(2026, 11, 1) + ms).toISOString()

function sent (n: number, ms: number, kind = 'report'): RawEntry {
  return {
    type: 'message.sent',
    at: at(ms),
    digest: D(n),
    payloadType: 'application/vnd.liaison.message.v1+json',
    id: `id-${n}`,
    kind,
    from: self,
    to: [peer],
    tlp: 'GREEN',
    topic: 'fraud',
    legalBasis: 'EU-1'
  }
}
function receipt (n: number, ms: number, status = 'accepted', reason: string | null = null): RawEntry {
  return { type: 'receipt.stored', at: at(ms), for: D(n), by: peer, status, reason }
}

function run (entries: RawEntry[], opts: { fromMs?: number, joinLimit?: number } = {}): { facts: Fact[], n: Normaliser } {
  const facts: Fact[] = []
  const n = new Normaliser({
    self,
    fromMs: opts.fromMs ?? -Infinity,
    toMs: Infinity,
    joinLimit: opts.joinLimit ?? 100,
    emit: f => {
      facts.push(f)
    }
  })
  for (const e of entries) n.add(e)
  return { facts, n }
}

describe('report: histogram', () => {
  it('is exact below one second and within 1 % above', () => {
    const h = new Histogram()
    for (let v = 1; v <= 100; v++) h.add(v)
    expect([h.percentile(0.5), h.percentile(0.9), h.percentile(0.99), h.percentile(1)]).toEqual([50, 90, 99, 100])
    const big = new Histogram()
    big.add(123_456)
    const p = big.percentile(0.5) as number
    expect(p).toBeLessThanOrEqual(123_456)
    expect(p).toBeGreaterThan(123_456 * 0.99)
    expect(new Histogram().percentile(0.5)).toBeNull()
  })
})

describe('report: periods', () => {
  it('ISO weeks and months in UTC (known answers)', () => {
    expect(isoWeek(Date.parse('2026-12-02T12:00:00Z'))).toBe('2026-W49')
    expect(isoWeek(Date.parse('2021-01-03T23:59:59Z'))).toBe('2020-W53')
    expect(isoWeek(Date.parse('2024-12-30T00:00:00Z'))).toBe('2025-W01')
    expect(month(Date.parse('2026-02-28T23:59:59.999Z'))).toBe('2026-02')
  })
})

describe('report: normaliser and figures', () => {
  it('joins receipts to messages, counts rejections by reason, and attributes outcomes to the message', () => {
    const { facts } = run([sent(1, 0), sent(2, 10), receipt(1, 250), receipt(2, 1000, 'rejected', 'TLP_NOT_PERMITTED')])
    const fig = new FigureAccumulator(figureDefs().find(d => d.id === 'messages')!, ['peer'])
    for (const f of facts) fig.add(f)
    expect(fig.table().rows).toEqual([[peer, 'out', 2, 1, 1, 0]])
    const delivery = new FigureAccumulator(figureDefs().find(d => d.id === 'delivery')!, [])
    for (const f of facts) delivery.add(f)
    expect(delivery.table().rows).toEqual([[2, 250, 990, 990, 990]])
  })

  it('does not count an outcome of a message sealed before the period', () => {
    const { facts } = run([sent(1, 0), receipt(1, 5000)], { fromMs: Date.parse(at(1000)) })
    expect(facts).toEqual([])
  })

  it('forgets the oldest join beyond its limit and says so', () => {
    const { facts, n } = run([sent(1, 0), sent(2, 1), sent(3, 2), receipt(1, 3), receipt(3, 4)], { joinLimit: 2 })
    expect(facts.filter(f => f.type === 'outcome')).toHaveLength(1)
    expect(n.uncorrelated).toBe(1)
  })

  it('links an answer to its request for information through message.replied', () => {
    const answer: RawEntry = {
      type: 'message.received',
      at: at(60_000),
      digest: D(9),
      payloadType: 'application/vnd.liaison.message.v1+json',
      id: 'id-9',
      kind: 'response',
      from: peer,
      to: [self],
      tlp: 'GREEN',
      topic: 'fraud',
      legalBasis: 'EU-1'
    }
    const { facts } = run([sent(1, 0, 'rfi'), answer, { type: 'message.replied', at: at(60_000), digest: D(9), inReplyTo: 'id-1' }])
    expect(facts.find(f => f.type === 'answer')).toMatchObject({ direction: 'out', peer, delayMs: 60_000 })
  })
})

describe('report: query, files, CSV', () => {
  it('checks the query', () => {
    expect(reportQuery({ from: '2026-10-01', to: '2026-12-31', by: ['peer', 'month', 'peer'] })).toEqual({
      from: '2026-10-01T00:00:00.000Z',
      to: '2026-12-31T23:59:59.999Z',
      by: ['peer', 'month']
    })
    expect(() => reportQuery({ by: ['colour'] })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }))
    expect(() => reportQuery({ from: 'yesterday' })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }))
    expect(() => reportQuery({ from: '2026-12-02', to: '2026-12-01' })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }))
  })

  it('refuses a file that is not a report', () => {
    expect(() => readReportFile(Buffer.from('hello'))).toThrow(expect.objectContaining({ code: 'REPORT_INVALID' }))
    expect(() => readReportFile(Buffer.from('{"format":"other"}'))).toThrow(expect.objectContaining({ code: 'REPORT_INVALID' }))
  })

  it('writes CSV cells RFC 4180-quoted', () => {
    const report = {
      format: REPORT_FORMAT,
      figures: { rejections: { title: 't', columns: ['topic', 'reason', 'rejected'], keys: 2, rows: [['a,"b"', 'X', 3]] } }
    } as unknown as Report
    expect(formatCsv(report)).toBe('figure,topic,reason,measure,value\r\nrejections,"a,""b""",X,rejected,3\r\n')
  })
})
