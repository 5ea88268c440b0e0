import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../protocol/errors.ts'
import { formatRfc3339Millis, isRfc3339Millis, parseDuration, parseRfc3339Millis } from '../../protocol/time.ts'

const FIRST = -62167219200000 // 0000-01-01T00:00:00.000Z
const LAST = 253402300799999 // 9999-12-31T23:59:59.999Z

describe('isRfc3339Millis', () => {
  it('accepts the toISOString form for real instants', () => {
    for (
      const s of [
        '2026-01-02T03:04:05.678Z',
        '2024-02-29T23:59:59.999Z',
        '2000-02-29T00:00:00.000Z',
        '0000-01-01T00:00:00.000Z',
        '9999-12-31T23:59:59.999Z',
        '1970-01-01T00:00:00.000Z'
      ]
    ) {
      expect(isRfc3339Millis(s)).toBe(true)
    }
  })

  it('rejects impossible dates and times', () => {
    for (
      const s of [
        '2026-02-29T00:00:00.000Z',
        '2026-02-30T00:00:00.000Z',
        '1900-02-29T00:00:00.000Z',
        '2026-04-31T00:00:00.000Z',
        '2026-13-01T00:00:00.000Z',
        '2026-00-01T00:00:00.000Z',
        '2026-01-00T00:00:00.000Z',
        '2026-01-32T00:00:00.000Z',
        '2026-01-01T24:00:00.000Z',
        '2026-01-01T23:60:00.000Z',
        '2016-12-31T23:59:60.000Z'
      ]
    ) {
      expect(isRfc3339Millis(s)).toBe(false)
    }
  })

  it('rejects every other spelling of a timestamp', () => {
    for (
      const s of [
        '2026-01-02T03:04:05Z',
        '2026-01-02T03:04:05.6Z',
        '2026-01-02T03:04:05.6789Z',
        '2026-01-02T03:04:05.678+00:00',
        '2026-01-02T03:04:05.678z',
        '2026-01-02t03:04:05.678Z',
        '2026-01-02 03:04:05.678Z',
        '+002026-01-02T03:04:05.678Z',
        '26-01-02T03:04:05.678Z',
        '2026-1-02T03:04:05.678Z',
        ' 2026-01-02T03:04:05.678Z',
        '2026-01-02T03:04:05.678Z\n',
        '２026-01-02T03:04:05.678Z',
        '',
        0,
        null
      ]
    ) {
      expect(isRfc3339Millis(s)).toBe(false)
    }
  })
})

describe('parseRfc3339Millis', () => {
  it('returns epoch milliseconds, including years before 100', () => {
    expect(parseRfc3339Millis('1970-01-01T00:00:00.000Z')).toBe(0)
    expect(parseRfc3339Millis('2026-01-02T03:04:05.678Z')).toBe(Date.parse('2026-01-02T03:04:05.678Z'))
    expect(parseRfc3339Millis('0000-01-01T00:00:00.000Z')).toBe(FIRST)
    expect(parseRfc3339Millis('0099-03-01T12:00:00.001Z')).toBe(Date.parse('0099-03-01T12:00:00.001Z'))
    expect(parseRfc3339Millis('9999-12-31T23:59:59.999Z')).toBe(LAST)
  })

  it('rejects a malformed timestamp with SCHEMA_INVALID', () => {
    try {
      parseRfc3339Millis('2026-02-30T00:00:00.000Z')
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ProtocolError)
      expect((err as ProtocolError).code).toBe('SCHEMA_INVALID')
    }
  })

  it('agrees with Date on every instant in years 0000-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST, max: LAST }), ms => {
        const s = new Date(ms).toISOString()
        expect(isRfc3339Millis(s)).toBe(true)
        expect(parseRfc3339Millis(s)).toBe(ms)
        expect(formatRfc3339Millis(ms)).toBe(s)
      }),
      { numRuns: 300 }
    )
  })
})

describe('formatRfc3339Millis', () => {
  it('formats as toISOString does', () => {
    expect(formatRfc3339Millis(0)).toBe('1970-01-01T00:00:00.000Z')
    expect(formatRfc3339Millis(FIRST)).toBe('0000-01-01T00:00:00.000Z')
  })

  it('throws TypeError outside years 0000-9999 or for non-integers', () => {
    for (const ms of [FIRST - 1, LAST + 1, 1.5, NaN, Infinity]) expect(() => formatRfc3339Millis(ms)).toThrow(TypeError)
  })
})

describe('parseDuration', () => {
  it('reads one integer and one unit', () => {
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('45s')).toBe(45_000)
    expect(parseDuration('15m')).toBe(900_000)
    expect(parseDuration('12h')).toBe(43_200_000)
    expect(parseDuration('30d')).toBe(2_592_000_000)
    expect(parseDuration('0s')).toBe(0)
  })

  it('throws TypeError for anything else', () => {
    for (const s of ['', '30', 'd', '1.5h', '-1s', '+1s', ' 1s', '1s ', '1 s', '1S', '1w', '1h30m', '1y', '1e3ms', '1000000000000000d', '１s', 30, null]) {
      expect(() => parseDuration(s as string)).toThrow(TypeError)
    }
  })
})
