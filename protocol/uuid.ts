/**
 * UUID version 7 (RFC 9562 §5.7): message ids that sort by creation time.
 *
 * Layout (big-endian, 128 bits): 48-bit Unix timestamp in ms · 4-bit version `0111` ·
 * 12 bits `rand_a` · 2-bit variant `10` · 62 bits `rand_b`. The protocol accepts only the
 * lowercase canonical text form `xxxxxxxx-xxxx-7xxx-[89ab]xxx-xxxxxxxxxxxx`.
 *
 * `uuidV7` is pure: the caller supplies the time and 10 random bytes.
 *
 * @example
 * ```ts
 * uuidV7(Date.now(), crypto.getRandomValues(new Uint8Array(10)))
 * ```
 *
 * @module
 */

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const MAX_TIMESTAMP = 2 ** 48 - 1

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** True if `s` is a lowercase canonical UUID with version 7 and variant `10`. */
export function isUuidV7 (s: unknown): s is string {
  return typeof s === 'string' && s.length === 36 && UUID_V7.test(s)
}

/**
 * Builds a UUIDv7 from `nowMs` (integer, 0 ≤ nowMs < 2^48) and `random` (exactly 10 bytes:
 * the low 4 bits of random[0] and random[1] form rand_a, the low 6 bits of random[2] and
 * random[3..9] form rand_b). Throws TypeError on bad arguments.
 */
export function uuidV7 (nowMs: number, random: Uint8Array): string {
  if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs > MAX_TIMESTAMP) {
    throw new TypeError('nowMs must be an integer in [0, 2^48)')
  }
  if (!(random instanceof Uint8Array) || random.length !== 10) {
    throw new TypeError('random must be a Uint8Array of 10 bytes')
  }
  const hi = Math.floor(nowMs / 2 ** 16) // top 32 bits of the 48-bit timestamp
  const lo = nowMs % 2 ** 16
  const b = new Uint8Array(16)
  b[0] = hi >>> 24
  b[1] = hi >>> 16
  b[2] = hi >>> 8
  b[3] = hi
  b[4] = lo >>> 8
  b[5] = lo
  b[6] = 0x70 | (random[0] & 0x0f)
  b[7] = random[1]
  b[8] = 0x80 | (random[2] & 0x3f)
  b.set(random.subarray(3), 9)
  let s = ''
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-'
    s += HEX[b[i]]
  }
  return s
}

/** The millisecond timestamp in a UUIDv7. Throws TypeError if `s` is not one (validate first). */
export function uuidV7Timestamp (s: string): number {
  if (!isUuidV7(s)) throw new TypeError('not a UUIDv7')
  return parseInt(s.slice(0, 8) + s.slice(9, 13), 16)
}
