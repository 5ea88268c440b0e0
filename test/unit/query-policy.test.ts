/**
 * Per-peer query policy, defaults deny: no grant is QUERY_NOT_PERMITTED, a type outside the
 * grant SELECTOR_TYPE_NOT_PERMITTED, more than the per-query maximum or the rolling daily quota
 * QUOTA_EXCEEDED; the ledger forgets after 24 hours. Audit records refuse any field but the
 * documented ones.
 */
import { describe, expect, it } from 'vitest'
import { decideQuery, parseQuotaFlag, QuotaLedger, queryAuditRecord } from '../../node/query/index.ts'

const grant = { types: ['phone', 'iban'], quotaPerDay: 10, maxPerQuery: 4 }

describe('query policy', () => {
  it('denies by default and by type', () => {
    expect(decideQuery(undefined, 'phone', 1, 0)).toBe('QUERY_NOT_PERMITTED')
    expect(decideQuery({ ...grant, types: [] }, 'phone', 1, 0)).toBe('QUERY_NOT_PERMITTED')
    expect(decideQuery(grant, 'email', 1, 0)).toBe('SELECTOR_TYPE_NOT_PERMITTED')
    expect(decideQuery(grant, 'phone', 4, 0)).toBeNull()
  })

  it('enforces the per-query maximum and the rolling daily quota', () => {
    expect(decideQuery(grant, 'phone', 5, 0)).toBe('QUOTA_EXCEEDED')
    const ledger = new QuotaLedger()
    const t0 = Date.UTC(2026, 11, 2)
    for (const n of [4, 4]) {
      expect(decideQuery(grant, 'iban', n, ledger.used('A', t0))).toBeNull()
      ledger.charge('A', n, t0)
    }
    expect(decideQuery(grant, 'phone', 3, ledger.used('A', t0 + 1000))).toBe('QUOTA_EXCEEDED')
    expect(decideQuery(grant, 'phone', 2, ledger.used('A', t0 + 1000))).toBeNull()
    expect(ledger.used('B', t0)).toBe(0)
    expect(ledger.used('A', t0 + QuotaLedger.WINDOW_MS + 1)).toBe(0)
  })

  it('parses --query-quota', () => {
    expect(parseQuotaFlag('500/day')).toBe(500)
    expect(parseQuotaFlag('20')).toBe(20)
    expect(() => parseQuotaFlag('5/hour')).toThrow(RangeError)
  })

  it('audit records carry no selector field', () => {
    const base = {
      event: 'query.answered' as const,
      queryId: 'q',
      queryDigest: 'd',
      peer: 'p',
      type: 'phone',
      count: 3,
      legalBasis: 'lb',
      purpose: 'x',
      keyId: 'k'
    }
    expect(queryAuditRecord(base)).toEqual(base)
    expect(() => queryAuditRecord({ ...base, selector: '+49' } as never)).toThrow(TypeError)
  })
})
