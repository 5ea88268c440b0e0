/**
 * A fast reader of protocol timestamps (`YYYY-MM-DDTHH:MM:SS.sssZ`, protocol/time.ts) for the
 * audit verifier, which reads three per entry and a million entries a minute: character checks
 * instead of a regular expression and its match array. Same rules as `isRfc3339Millis`: UTC,
 * milliseconds, a real calendar date and time (a test holds the two to the same verdicts).
 *
 * @module
 */

const DAY_MS = 86_400_000

function digits (s: string, at: number, n: number): number {
  let v = 0
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    v = v * 10 + c
  }
  return v
}

function daysInMonth (y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

/** Epoch milliseconds of a protocol timestamp, or NaN if `s` is not one. */
export function timestampMs (s: unknown): number {
  if (typeof s !== 'string' || s.length !== 24) return NaN
  if (
    s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46 || s.charCodeAt(23) !== 90
  ) return NaN
  const y = digits(s, 0, 4)
  const mo = digits(s, 5, 2)
  const d = digits(s, 8, 2)
  const h = digits(s, 11, 2)
  const mi = digits(s, 14, 2)
  const se = digits(s, 17, 2)
  const ms = digits(s, 20, 3)
  if ((y | mo | d | h | mi | se | ms) < 0) return NaN
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || se > 59) return NaN
  // Days since 1970-01-01 (H. Hinnant's days_from_civil; no two-digit-year mapping).
  const yy = mo <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468
  return days * DAY_MS + ((h * 60 + mi) * 60 + se) * 1000 + ms
}
