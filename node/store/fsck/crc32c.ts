/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum LevelDB puts on every log
 * record and table block, and LevelDB's "masked" form of it. Slicing-by-16: about 1.1 GB/s
 * (slicing-by-8 does 0.95).
 *
 * @example
 * ```ts
 * crc32c(utf8('123456789')) // 0xe3069283
 * ```
 *
 * @module
 */

const SLICES = 16
const TABLE = new Int32Array(256 * SLICES)
for (let i = 0; i < 256; i++) {
  let c = i
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  TABLE[i] = c
}
for (let i = 0; i < 256; i++) {
  for (let s = 1; s < SLICES; s++) {
    const prev = TABLE[(s - 1) * 256 + i]
    TABLE[s * 256 + i] = (prev >>> 8) ^ TABLE[prev & 0xff]
  }
}

/** Continue a CRC-32C over `bytes[start, end)` from `crc` (0 to start). */
export function crc32cUpdate (crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLE
  let c = ~crc
  let i = start
  const fast = end - ((end - start) & 15)
  for (; i < fast; i += 16) {
    const a = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))
    c = t[3840 + (a & 0xff)] ^ t[3584 + ((a >>> 8) & 0xff)] ^ t[3328 + ((a >>> 16) & 0xff)] ^ t[3072 + (a >>> 24)] ^
      t[2816 + bytes[i + 4]] ^ t[2560 + bytes[i + 5]] ^ t[2304 + bytes[i + 6]] ^ t[2048 + bytes[i + 7]] ^
      t[1792 + bytes[i + 8]] ^ t[1536 + bytes[i + 9]] ^ t[1280 + bytes[i + 10]] ^ t[1024 + bytes[i + 11]] ^
      t[768 + bytes[i + 12]] ^ t[512 + bytes[i + 13]] ^ t[256 + bytes[i + 14]] ^ t[bytes[i + 15]]
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return ~c >>> 0
}

/** CRC-32C of `bytes[start, end)`. */
export function crc32c (bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32cUpdate(0, bytes, start, end)
}

const MASK_DELTA = 0xa282ead8

/** LevelDB's masked CRC (util/crc32c.h `Mask`): stored CRCs are masked so CRCs of CRCs differ. */
export function maskCrc (crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0
}

export function unmaskCrc (masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0
  return ((rot >>> 17) | (rot << 15)) >>> 0
}
