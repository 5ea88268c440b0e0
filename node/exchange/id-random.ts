/**
 * Random bytes for the UUIDv7 id of every message this node sends (protocol/uuid.ts takes them
 * from the caller). `randomBytes(10)` is one OpenSSL CSPRNG call per message, about 5 µs on the
 * benchmark machine — as much as the rest of the id; drawing 4 KiB at a time and handing out 10
 * bytes of it per id costs one call per 409 ids. The bytes are the same CSPRNG's and each is used
 * for one id only.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto'

const POOL_BYTES = 4090
const pool = new Uint8Array(POOL_BYTES)
let at = POOL_BYTES

/** Ten fresh random bytes (a copy: the caller may keep them). */
export function idRandom (): Uint8Array {
  if (at + 10 > POOL_BYTES) {
    randomFillSync(pool)
    at = 0
  }
  const out = pool.slice(at, at + 10)
  at += 10
  return out
}
