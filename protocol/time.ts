/**
 * Timestamps and durations as the protocol writes them.
 *
 * A protocol timestamp is exactly the form `Date.prototype.toISOString` emits for years
 * 0000–9999: `YYYY-MM-DDTHH:MM:SS.sssZ` — UTC, always milliseconds, no offset other than `Z`,
 * no leap second — and it must name a real instant on the proleptic Gregorian calendar
 * (no `2026-02-30`, no `24:00:00`, no `:60`). One spelling per instant, so signed timestamps
 * compare as strings and as numbers alike.
 *
 * @example
 * ```ts
 * parseRfc3339Millis('2026-01-02T03:04:05.678Z') // 1767323045678
 * formatRfc3339Millis(0)                         // '1970-01-01T00:00:00.000Z'
 * parseDuration('12h')                           // 43200000
 * ```
 *
 * @module
 */
import { ProtocolError } from './errors.ts'

/** Epoch ms of 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const MIN_MS = -62167219200000
const MAX_MS = 253402300799999

const DAY_MS = 86_400_000

/** True if `s` is a protocol timestamp naming a real calendar date and time (see module header). */
export function isRfc3339Millis (s: unknown): s is string {
  return typeof s === 'string' && toEpochMs(s) !== undefined
}

/**
 * Epoch milliseconds of a protocol timestamp. Throws ProtocolError('SCHEMA_INVALID') if `s` is
 * not one; TypeError if it is not a string.
 */
export function parseRfc3339Millis (s: string): number {
  if (typeof s !== 'string') throw new TypeError('timestamp must be a string')
  const ms = toEpochMs(s)
  if (ms === undefined) throw new ProtocolError('SCHEMA_INVALID', `${JSON.stringify(s.slice(0, 40))} is not an RFC 3339 UTC timestamp with milliseconds`)
  return ms
}

/** Formats epoch ms as a protocol timestamp. TypeError unless an integer in years 0000–9999. */
export function formatRfc3339Millis (ms: number): string {
  if (!Number.isInteger(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw new TypeError('ms must be an integer epoch time within years 0000–9999')
  }
  return new Date(ms).toISOString()
}

/**
 * Reads `s` as `YYYY-MM-DDTHH:MM:SS.sssZ` with character codes (what the regular expression
 * `^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$` accepts, ASCII digits only),
 * without the match array and its seven substrings: every message is checked twice on the send
 * path and its timestamps read again for the audit entry, so this is on every hot path.
 */
function toEpochMs (s: string): number | undefined {
  if (s.length !== 24) return undefined
  if (
    s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46 || s.charCodeAt(23) !== 90
  ) {
    return undefined
  }
  const year = digits(s, 0, 4)
  const month = digits(s, 5, 2)
  const day = digits(s, 8, 2)
  const hour = digits(s, 11, 2)
  const minute = digits(s, 14, 2)
  const second = digits(s, 17, 2)
  const millis = digits(s, 20, 3)
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || millis < 0) return undefined
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis
}

/** The decimal number of s[at, at + n) if all n are ASCII digits, else -1. */
function digits (s: string, at: number, n: number): number {
  let v = 0
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48
    if (d < 0 || d > 9) return -1
    v = v * 10 + d
  }
  return v
}

function isLeapYear (year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
}

function daysInMonth (year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). Unlike
 * Date.UTC it does not map years 0–99 to 1900–1999.
 */
function daysFromCivil (year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

const DURATION = /^(\d{1,15})(ms|s|m|h|d)$/
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS }

/**
 * Parses a duration written as a non-negative integer and one unit — `500ms`, `45s`, `15m`,
 * `12h`, `30d` — into milliseconds. No sign, spaces, fractions or compound forms; the result
 * must be a safe integer. Throws TypeError otherwise (it reads operator input, e.g. CLI flags).
 */
export function parseDuration (text: string): number {
  const m = typeof text === 'string' ? DURATION.exec(text) : null
  if (m === null) throw new TypeError(`${JSON.stringify(text)} is not a duration like 500ms, 45s, 15m, 12h or 30d`)
  const ms = Number(m[1]) * UNIT_MS[m[2]]
  if (!Number.isSafeInteger(ms)) throw new TypeError(`duration ${text} is too long`)
  return ms
}
