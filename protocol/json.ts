/**
 * Strict JSON (RFC 8259) for signed payloads.
 *
 * `JSON.parse` silently keeps the last of duplicate keys, accepts any nesting depth and rounds
 * large integers, so two parties could read different values out of the same signed bytes.
 * `parseStrictJson` is a hand-written single-pass parser that rejects all of that:
 *
 * - duplicate object keys (compared after escape decoding),
 * - nesting deeper than `maxDepth` (objects and arrays both count; `{}` has depth 1),
 * - integer literals (no fraction, no exponent) outside ±Number.MAX_SAFE_INTEGER,
 * - number literals whose value overflows to ±Infinity (it could not be re-encoded),
 * - lone surrogates, escaped (`"\uD800"`) or raw, and an escaped high surrogate not followed by an
 *   escaped low one,
 * - anything JSON.parse rejects, plus a leading byte-order mark and trailing garbage.
 *
 * Objects are ordinary objects, but a `"__proto__"` key is defined as an own data property (as
 * JSON.parse does), so it never reaches the prototype setter.
 *
 * Errors are `ProtocolError('SCHEMA_INVALID')` naming the UTF-8 byte offset and the JSON path.
 *
 * @example
 * ```ts
 * const doc = parseStrictJson(utf8Decode(payload), { integerKeys: ['v'] })
 * ```
 *
 * @module
 */
import { ProtocolError } from './errors.ts'
import { MAX_JSON_DEPTH } from './limits.ts'

export interface ParseStrictJsonOptions {
  /** Deepest nesting accepted; default MAX_JSON_DEPTH. */
  maxDepth?: number
  /**
   * Members of the top-level object whose number value must be written as an integer literal.
   * JSON.parse turns `1.0` and `1e0` into the same number as `1`; a schema that requires an
   * integer (the `v` version field) names the member here so `"v":1.0` is rejected. The parser
   * still returns plain numbers, so every other caller sees exactly what JSON.parse would give.
   */
  integerKeys?: readonly string[]
}

// Parser state lives in module variables: parsing is synchronous and never re-entered, and
// V8 optimises these accesses better than fields on a per-call object.
let src = ''
let pos = 0
let depth = 0
let maxDepth = MAX_JSON_DEPTH
let integerKeys: readonly string[] | undefined
/** Whether the number most recently parsed was written as an integer literal. */
let lastWasIntegerLiteral = false
/** path[i] is the key or index being parsed at nesting level i (null while reading a key). */
const path: Array<string | number | null> = []

/**
 * Parses `text` as one strict JSON value. Throws ProtocolError('SCHEMA_INVALID') on any
 * violation (see the module header); throws TypeError if `text` is not a string.
 */
export function parseStrictJson (text: string, opts?: ParseStrictJsonOptions): unknown {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  const limit = opts?.maxDepth ?? MAX_JSON_DEPTH
  if (!Number.isInteger(limit) || limit < 0) throw new TypeError('maxDepth must be a non-negative integer')
  src = text
  pos = 0
  depth = 0
  maxDepth = limit
  integerKeys = opts?.integerKeys
  try {
    skipWhitespace()
    const value = parseValue()
    skipWhitespace()
    if (pos !== src.length) fail('unexpected data after the JSON value')
    return value
  } finally {
    src = ''
    path.length = 0
    integerKeys = undefined
  }
}

function parseValue (): unknown {
  const c = src.charCodeAt(pos)
  if (c === 0x22) return parseString()
  if (c === 0x7b) return parseObject()
  if (c === 0x5b) return parseArray()
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber()
  if (c === 0x74 && src.startsWith('true', pos)) {
    pos += 4
    return true
  }
  if (c === 0x66 && src.startsWith('false', pos)) {
    pos += 5
    return false
  }
  if (c === 0x6e && src.startsWith('null', pos)) {
    pos += 4
    return null
  }
  return fail(c !== c ? 'unexpected end of input' : 'unexpected character')
}

function parseObject (): Record<string, unknown> {
  pos++ // {
  if (++depth > maxDepth) fail(`nesting deeper than ${maxDepth}`)
  const level = depth - 1
  const obj: Record<string, unknown> = {}
  skipWhitespace()
  if (src.charCodeAt(pos) === 0x7d) {
    pos++
    depth--
    return obj
  }
  for (;;) {
    path[level] = null
    if (src.charCodeAt(pos) !== 0x22) fail('expected a string key')
    const keyStart = pos
    const key = parseString()
    path[level] = key
    if (Object.hasOwn(obj, key)) {
      pos = keyStart
      fail('duplicate key')
    }
    skipWhitespace()
    if (src.charCodeAt(pos) !== 0x3a) fail("expected ':'")
    pos++
    skipWhitespace()
    const valueStart = pos
    const value = parseValue()
    if (
      level === 0 && integerKeys !== undefined && typeof value === 'number' &&
      !lastWasIntegerLiteral && integerKeys.includes(key)
    ) {
      pos = valueStart
      fail('must be an integer literal (no fraction or exponent)')
    }
    if (key === '__proto__') {
      Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })
    } else {
      obj[key] = value
    }
    skipWhitespace()
    const c = src.charCodeAt(pos)
    if (c === 0x2c) {
      pos++
      skipWhitespace()
      continue
    }
    if (c === 0x7d) {
      pos++
      break
    }
    fail("expected ',' or '}'")
  }
  path.length = level
  depth--
  return obj
}

function parseArray (): unknown[] {
  pos++ // [
  if (++depth > maxDepth) fail(`nesting deeper than ${maxDepth}`)
  const level = depth - 1
  const arr: unknown[] = []
  skipWhitespace()
  if (src.charCodeAt(pos) === 0x5d) {
    pos++
    depth--
    return arr
  }
  for (let i = 0;; i++) {
    path[level] = i
    arr.push(parseValue())
    skipWhitespace()
    const c = src.charCodeAt(pos)
    if (c === 0x2c) {
      pos++
      skipWhitespace()
      continue
    }
    if (c === 0x5d) {
      pos++
      break
    }
    fail("expected ',' or ']'")
  }
  path.length = level
  depth--
  return arr
}

/**
 * Characters that stand for themselves in a JSON string and need no further check (no quote,
 * backslash, control character or surrogate). A sticky regular expression skips a run of them
 * at native speed — message bodies are long runs of such characters.
 */
const PLAIN_RUN = /[\x20\x21\x23-\x5b\x5d-\ud7ff]*/y

/** Parses a string starting at its opening quote; slices directly when it has no escapes. */
function parseString (): string {
  const start = ++pos
  PLAIN_RUN.lastIndex = pos
  PLAIN_RUN.test(src)
  pos = PLAIN_RUN.lastIndex
  for (;;) {
    const c = src.charCodeAt(pos)
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c < 0xd800) {
      pos++
      continue
    }
    if (c === 0x22) {
      const s = src.slice(start, pos)
      pos++
      return s
    }
    if (c === 0x5c) return parseEscapedString(start)
    if (c >= 0xd800) {
      checkRawSurrogate(c)
      continue
    }
    fail(c !== c ? 'unterminated string' : 'unescaped control character in string')
  }
}

/** Continues a string at its first backslash, building the value from chunks. */
function parseEscapedString (start: number): string {
  let out = src.slice(start, pos)
  let chunk = pos
  for (;;) {
    const c = src.charCodeAt(pos)
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c < 0xd800) {
      pos++
      continue
    }
    if (c === 0x22) {
      out += src.slice(chunk, pos)
      pos++
      return out
    }
    if (c === 0x5c) {
      out += src.slice(chunk, pos)
      out += readEscape()
      chunk = pos
      continue
    }
    if (c >= 0xd800) {
      checkRawSurrogate(c)
      continue
    }
    fail(c !== c ? 'unterminated string' : 'unescaped control character in string')
  }
}

/** Reads one escape sequence at a backslash; returns the characters it stands for. */
function readEscape (): string {
  const e = src.charCodeAt(pos + 1)
  switch (e) {
    case 0x22:
      pos += 2
      return '"'
    case 0x5c:
      pos += 2
      return '\\'
    case 0x2f:
      pos += 2
      return '/'
    case 0x62:
      pos += 2
      return '\b'
    case 0x66:
      pos += 2
      return '\f'
    case 0x6e:
      pos += 2
      return '\n'
    case 0x72:
      pos += 2
      return '\r'
    case 0x74:
      pos += 2
      return '\t'
    case 0x75: {
      const unit = readHex4(pos + 2)
      if (unit < 0xd800 || unit > 0xdfff) {
        pos += 6
        return String.fromCharCode(unit)
      }
      if (unit >= 0xdc00) fail('lone low surrogate escape')
      if (src.charCodeAt(pos + 6) !== 0x5c || src.charCodeAt(pos + 7) !== 0x75) fail('lone high surrogate escape')
      const low = readHex4(pos + 8)
      if (low < 0xdc00 || low > 0xdfff) fail('lone high surrogate escape')
      pos += 12
      return String.fromCharCode(unit, low)
    }
    default:
      return fail('invalid escape sequence')
  }
}

function readHex4 (at: number): number {
  let n = 0
  for (let i = at; i < at + 4; i++) {
    const c = src.charCodeAt(i)
    let d: number
    if (c >= 0x30 && c <= 0x39) d = c - 0x30
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37
    else {
      pos = at
      return fail('invalid \\u escape')
    }
    n = (n << 4) | d
  }
  return n
}

/** Accepts a raw surrogate pair (advancing past it) or fails on a lone raw surrogate. */
function checkRawSurrogate (c: number): void {
  if (c > 0xdfff) {
    pos++
    return
  }
  if (c <= 0xdbff) {
    const next = src.charCodeAt(pos + 1)
    if (next >= 0xdc00 && next <= 0xdfff) {
      pos += 2
      return
    }
  }
  fail('lone surrogate in string')
}

function parseNumber (): number {
  const start = pos
  let c = src.charCodeAt(pos)
  const negative = c === 0x2d
  if (negative) c = src.charCodeAt(++pos)
  let value = 0
  if (c === 0x30) {
    c = src.charCodeAt(++pos)
  } else if (c >= 0x31 && c <= 0x39) {
    do {
      value = value * 10 + (c - 0x30)
      c = src.charCodeAt(++pos)
    } while (c >= 0x30 && c <= 0x39)
  } else {
    fail('invalid number')
  }
  let integer = true
  if (c === 0x2e) {
    integer = false
    c = src.charCodeAt(++pos)
    if (!(c >= 0x30 && c <= 0x39)) fail('invalid number: digit expected after the decimal point')
    do c = src.charCodeAt(++pos)
    while (c >= 0x30 && c <= 0x39)
  }
  if (c === 0x65 || c === 0x45) {
    integer = false
    c = src.charCodeAt(++pos)
    if (c === 0x2b || c === 0x2d) c = src.charCodeAt(++pos)
    if (!(c >= 0x30 && c <= 0x39)) fail('invalid number: digit expected in the exponent')
    do c = src.charCodeAt(++pos)
    while (c >= 0x30 && c <= 0x39)
  }
  lastWasIntegerLiteral = integer
  if (integer) {
    // Up to 15 digits the accumulated value is exact; beyond that let Number() round correctly.
    if (pos - start > 15) value = Math.abs(Number(src.slice(start, pos)))
    if (value > Number.MAX_SAFE_INTEGER) {
      pos = start
      fail('integer outside the safe range ±(2^53-1)')
    }
    return negative ? -value : value
  }
  const n = Number(src.slice(start, pos))
  if (!Number.isFinite(n)) {
    pos = start
    fail('number out of range')
  }
  return n
}

function skipWhitespace (): void {
  for (;;) {
    const c = src.charCodeAt(pos)
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++
    else return
  }
}

function fail (message: string): never {
  const byteOffset = Buffer.byteLength(src.slice(0, pos), 'utf8')
  throw new ProtocolError('SCHEMA_INVALID', `invalid JSON at ${formatPath()} (byte ${byteOffset}): ${message}`)
}

function formatPath (): string {
  let out = '$'
  for (const part of path) {
    if (part === null) break
    out += pathPart(part)
  }
  return out
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Decodes UTF-8 strictly: invalid sequences, overlongs and encoded surrogates throw
 * ProtocolError('SCHEMA_INVALID'). A byte-order mark is kept (and then rejected by the parser).
 */
export function utf8Decode (bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  try {
    return decoder.decode(bytes)
  } catch (err) {
    throw new ProtocolError('SCHEMA_INVALID', 'payload is not valid UTF-8', { cause: err })
  }
}

/**
 * Deterministic compact JSON for our own payloads (not RFC 8785: signatures cover the bytes as
 * sent, so nothing needs a canonical form — PROTOCOL.md §1): no whitespace, object keys in the order
 * `Object.keys` yields them (insertion order, except that integer-like keys such as "0" come
 * first in ascending order — a JavaScript rule JSON.stringify shares). Only JSON data within
 * `maxDepth` (default MAX_JSON_DEPTH) is accepted — see `jsonDataProblem`; anything else is a
 * caller bug and throws TypeError. So whatever this emits, `parseStrictJson` accepts and reads
 * back equal.
 */
export function compactJson (value: unknown, opts?: { maxDepth?: number }): string {
  const problem = jsonDataProblem(value, opts)
  if (problem !== undefined) throw new TypeError(problem)
  return JSON.stringify(value)
}

/**
 * Describes, naming its path, the first reason `value` is not JSON data that `parseStrictJson`
 * would read back equal — or returns undefined if it is. JSON data is: plain objects (prototype
 * Object.prototype or null), dense arrays, well-formed strings, finite numbers (except integral
 * values beyond ±MAX_SAFE_INTEGER and below 1e21 in magnitude, which JSON.stringify writes as
 * integer literals the parser refuses), booleans and null, nested at most `maxDepth` deep
 * (default MAX_JSON_DEPTH; a cycle therefore fails as too deep).
 */
export function jsonDataProblem (value: unknown, opts?: { maxDepth?: number }): string | undefined {
  const problem = dataProblem(value, opts?.maxDepth ?? MAX_JSON_DEPTH)
  return problem === undefined ? undefined : '$' + problem
}

/** Returns the problem as "<path below value> <reason>" so paths are only built on failure. */
function dataProblem (value: unknown, depthLeft: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return value.isWellFormed() ? undefined : ' contains a lone surrogate'
    case 'number':
      if (!Number.isFinite(value)) return ' is not a finite number'
      // Only magnitudes that JSON.stringify writes as a plain integer literal are unsafe: from
      // 1e21 up it writes an exponent ("1e+21"), which parseStrictJson reads back exactly as a
      // (non-integer-literal) double. Rejecting those too made the object path refuse values
      // the wire accepts, so encodeMessage(parseMessage(bytes)) threw for a body like {"x":1e21}.
      if (Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER && Math.abs(value) < 1e21) {
        return ' is an integer outside the safe range'
      }
      return undefined
    case 'boolean':
      return undefined
    case 'object': {
      if (value === null) return undefined
      if (depthLeft <= 0) return ' is nested too deeply'
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) return `[${i}] is a hole`
          const problem = dataProblem(value[i], depthLeft - 1)
          if (problem !== undefined) return `[${i}]${problem}`
        }
        return undefined
      }
      const proto = Object.getPrototypeOf(value)
      if (proto !== Object.prototype && proto !== null) return ' is not a plain object'
      for (const key of Object.keys(value)) {
        if (!key.isWellFormed()) return ' has a key with a lone surrogate'
        const problem = dataProblem((value as Record<string, unknown>)[key], depthLeft - 1)
        if (problem !== undefined) return pathPart(key) + problem
      }
      return undefined
    }
    default:
      return ` is not JSON data (${typeof value})`
  }
}

function pathPart (key: string | number): string {
  if (typeof key === 'number') return `[${key}]`
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}
