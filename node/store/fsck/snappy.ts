/**
 * Snappy raw-format decompression (google/snappy format_description.txt), enough to read the
 * index blocks of LevelDB tables, which LevelDB compresses like any other block. Throws
 * RangeError on malformed input.
 *
 * @module
 */

function varint32 (src: Uint8Array, pos: number): [number, number] {
  let result = 0
  for (let shift = 0; shift <= 28; shift += 7) {
    if (pos >= src.length) throw new RangeError('snappy: truncated length')
    const b = src[pos++]
    result += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) return [result, pos]
  }
  throw new RangeError('snappy: length varint too long')
}

/**
 * Decompress one snappy block; `maxLength` guards against absurd declared sizes. `alloc` gives
 * the output buffer (default: a new one).
 */
export function snappyDecompress (src: Uint8Array, maxLength = 64 * 1024 * 1024, alloc = (n: number): Uint8Array => new Uint8Array(n)): Uint8Array {
  const [length, start] = varint32(src, 0)
  if (length > maxLength) throw new RangeError(`snappy: declared length ${length} is over ${maxLength}`)
  const out = alloc(length)
  let ip = start
  let op = 0
  while (ip < src.length) {
    const tag = src[ip++]
    let len: number
    let offset: number
    switch (tag & 3) {
      case 0: {
        len = tag >>> 2
        if (len >= 60) {
          const bytes = len - 59
          if (ip + bytes > src.length) throw new RangeError('snappy: truncated literal length')
          len = 0
          for (let i = 0; i < bytes; i++) len += src[ip + i] * 2 ** (8 * i)
          ip += bytes
        }
        len += 1
        if (ip + len > src.length || op + len > length) throw new RangeError('snappy: literal overruns')
        out.set(src.subarray(ip, ip + len), op)
        ip += len
        op += len
        continue
      }
      case 1:
        if (ip >= src.length) throw new RangeError('snappy: truncated copy')
        len = ((tag >>> 2) & 7) + 4
        offset = ((tag >>> 5) << 8) | src[ip++]
        break
      case 2:
        if (ip + 2 > src.length) throw new RangeError('snappy: truncated copy')
        len = (tag >>> 2) + 1
        offset = src[ip] | (src[ip + 1] << 8)
        ip += 2
        break
      default:
        if (ip + 4 > src.length) throw new RangeError('snappy: truncated copy')
        len = (tag >>> 2) + 1
        offset = (src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16) | (src[ip + 3] << 24)) >>> 0
        ip += 4
    }
    if (offset === 0 || offset > op || op + len > length) throw new RangeError('snappy: bad copy')
    if (offset >= len && len > 16) {
      out.copyWithin(op, op - offset, op - offset + len)
      op += len
    } else {
      for (let i = 0; i < len; i++, op++) out[op] = out[op - offset]
    }
  }
  if (op !== length) throw new RangeError(`snappy: decompressed ${op} bytes, declared ${length}`)
  return out
}
