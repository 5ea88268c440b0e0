/**
 * Reading the entries of LevelDB files directly (google/leveldb doc/table_format.md,
 * db/write_batch.cc), for the verifier: its workers already hold every live file in memory to
 * check its checksums, so reading the records they need from those bytes costs far less than
 * reading them a second time through LevelDB.
 *
 * Entries come out as LevelDB stores them: user key, sequence number, value or deletion. Which
 * version of a key the database holds is the one with the highest sequence number over all live
 * files (tables of every level and the logs not yet compacted) — the caller resolves that; a
 * deletion means the key is absent. Only keys within the requested ranges are returned, and data
 * blocks that cannot hold such keys (by the index block's separators) are not even decompressed.
 *
 * @example
 * ```ts
 * tableEntries(bytes, [prefixRange('!env!')], false, (key, seq, deleted, value) => { … })
 * ```
 *
 * @module
 */
import { crc32c, crc32cUpdate, unmaskCrc } from './crc32c.ts'
import { varint } from './file-check.ts'
import { snappyDecompress } from './snappy.ts'

/** User keys k with lo ≤ k < hi (byte order). */
export interface KeyRange {
  lo: Uint8Array
  hi: Uint8Array
}

/**
 * Called for each entry in range. `key` is a view that is overwritten after the call returns;
 * `value` points into the file's bytes or a decompressed block, valid until the next
 * `tableEntries` call.
 */
export type EntryVisitor = (key: Uint8Array, seq: number, deleted: boolean, value: Uint8Array) => void

/** The keys that start with `prefix` (a sublevel's `!name!`). */
export function prefixRange (prefix: string): KeyRange {
  const lo = Buffer.from(prefix, 'latin1')
  const hi = Buffer.from(lo)
  hi[hi.length - 1]++
  return { lo, hi }
}

/** Byte comparison of a[0, aEnd) with b. */
function compare (a: Uint8Array, aEnd: number, b: Uint8Array): number {
  const n = Math.min(aEnd, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return aEnd - b.length
}

function inRanges (key: Uint8Array, end: number, ranges: readonly KeyRange[]): boolean {
  for (const r of ranges) if (compare(key, end, r.lo) >= 0 && compare(key, end, r.hi) < 0) return true
  return false
}

function u32 (b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
}

/** Reused key buffer (keys are prefix-compressed: each is built on the one before). */
let keyScratch = new Uint8Array(1024)

/** Position after the varint32 last read by `v32` (no tuple per call: this runs per entry). */
let after = 0

function v32 (b: Uint8Array, pos: number, end: number): number {
  let result = 0
  for (let shift = 0; shift <= 28; shift += 7) {
    if (pos >= end) throw new RangeError('truncated varint')
    const byte = b[pos++]
    result += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) {
      after = pos
      return result
    }
  }
  throw new RangeError('varint too long')
}

/** The entries of one block, internal keys split into user key and tag. */
function blockEntries (block: Uint8Array, ranges: readonly KeyRange[], visit: EntryVisitor): void {
  if (block.length < 4) throw new RangeError('block is too short')
  const restarts = u32(block, block.length - 4)
  const limit = block.length - 4 - 4 * restarts
  if (restarts < 1 || limit < 0) throw new RangeError('block has a bad restart array')
  let pos = 0
  let keyLength = 0
  while (pos < limit) {
    const shared = v32(block, pos, limit)
    const unshared = v32(block, after, limit)
    const valueLength = v32(block, after, limit)
    const keyStart = after
    const valueStart = keyStart + unshared
    if (shared > keyLength || valueStart + valueLength > limit) throw new RangeError(`block entry at ${pos} is malformed`)
    keyLength = shared + unshared
    if (keyLength > keyScratch.length) {
      const grown = new Uint8Array(2 * keyLength)
      grown.set(keyScratch.subarray(0, shared))
      keyScratch = grown
    }
    for (let i = 0; i < unshared; i++) keyScratch[shared + i] = block[keyStart + i]
    pos = valueStart + valueLength
    if (keyLength < 8) throw new RangeError('block entry key is shorter than its tag')
    const user = keyLength - 8
    if (!inRanges(keyScratch, user, ranges)) continue
    const tagLow = u32(keyScratch, user)
    const type = tagLow & 0xff
    if (type > 1) throw new RangeError(`block entry has unknown type ${type}`)
    const seq = (tagLow >>> 8) + u32(keyScratch, user + 4) * 2 ** 24
    visit(keyScratch.subarray(0, user), seq, type === 0, block.subarray(valueStart, valueStart + valueLength))
  }
}

interface Handle {
  offset: number
  size: number
}

/**
 * Decompressed blocks of the table being read, end to end in one reused buffer (values handed
 * out point into it: valid until the next `tableEntries` call).
 */
let blocks = new Uint8Array(1 << 20)
let blocksUsed = 0

function blockSpace (n: number): Uint8Array {
  if (blocksUsed + n > blocks.length) {
    blocks = new Uint8Array(Math.max(2 * blocks.length, n))
    blocksUsed = 0
  }
  const view = blocks.subarray(blocksUsed, blocksUsed + n)
  blocksUsed += n
  return view
}

/** A block's contents (checked against its checksum when asked, decompressed if needed). */
function blockAt (bytes: Uint8Array, h: Handle, check: boolean): Uint8Array {
  const end = h.offset + h.size
  if (!Number.isSafeInteger(end) || end + 5 > bytes.length) throw new RangeError(`block handle (${h.offset}+${h.size}) lies outside the file`)
  if (check && crc32cUpdate(crc32c(bytes, h.offset, end), bytes, end, end + 1) !== unmaskCrc(u32(bytes, end + 1))) {
    throw new RangeError(`block at byte ${h.offset} fails its checksum`)
  }
  const raw = bytes.subarray(h.offset, end)
  const type = bytes[end]
  if (type === 0) return raw
  if (type === 1) return snappyDecompress(raw, 64 * 1024 * 1024, blockSpace)
  throw new RangeError(`block at byte ${h.offset} has unknown compression type ${type}`)
}

function handleAt (b: Uint8Array, pos: number, end: number): [Handle, number] {
  const [offset, p1] = varint(b, pos, end)
  const [size, p2] = varint(b, p1, end)
  return [{ offset, size }, p2]
}

/**
 * The entries of a table file within `ranges`. `check`: verify each block's checksum as it is
 * read (pass false when the whole file was checked already). Returns the problems met: blocks
 * that fail are skipped, the rest are read.
 */
export function tableEntries (bytes: Uint8Array, ranges: readonly KeyRange[], check: boolean, visit: EntryVisitor): string[] {
  const problems: string[] = []
  blocksUsed = 0
  let index: Uint8Array
  try {
    if (bytes.length < 48) throw new RangeError('file is shorter than a table footer')
    const footer = bytes.length - 48
    const [, p] = handleAt(bytes, footer, footer + 40)
    const [indexHandle] = handleAt(bytes, p, footer + 40)
    index = blockAt(bytes, indexHandle, check)
  } catch (err) {
    return [`its index cannot be read: ${(err as Error).message}`]
  }
  const restarts = index.length >= 4 ? u32(index, index.length - 4) : 0
  const limit = index.length - 4 - 4 * restarts
  if (restarts < 1 || limit < 0) return ['its index block has a bad restart array']
  // Block i holds the keys in (separator i−1, separator i]: compare user keys with the ranges.
  let previous = new Uint8Array(0)
  let pos = 0
  let key = new Uint8Array(256)
  let keyLength = 0
  try {
    while (pos < limit) {
      const [shared, p1] = varint(index, pos, limit)
      const [unshared, p2] = varint(index, p1, limit)
      const [valueLength, p3] = varint(index, p2, limit)
      const valueStart = p3 + unshared
      if (shared > keyLength || valueStart + valueLength > limit) throw new RangeError(`index entry at ${pos} is malformed`)
      keyLength = shared + unshared
      if (keyLength > key.length) {
        const grown = new Uint8Array(2 * keyLength)
        grown.set(key.subarray(0, shared))
        key = grown
      }
      key.set(index.subarray(p3, valueStart), shared)
      pos = valueStart + valueLength
      const user = Math.max(0, keyLength - 8)
      const separator = key.slice(0, user)
      const wanted = ranges.some(r => compare(separator, user, r.lo) >= 0 && compare(previous, previous.length, r.hi) < 0)
      previous = separator
      if (!wanted) continue
      const [handle] = handleAt(index, valueStart, valueStart + valueLength)
      try {
        blockEntries(blockAt(bytes, handle, check), ranges, visit)
      } catch (err) {
        problems.push(`data block at byte ${handle.offset} cannot be read: ${(err as Error).message}`)
      }
    }
  } catch (err) {
    problems.push(`its index block is malformed: ${(err as Error).message}`)
  }
  return problems
}

/**
 * The entries of write batches (the records of a log file: sequence u64le, count u32le, then
 * per entry a tag — 1 value, 0 deletion — and length-prefixed key and value). Returns problems.
 */
export function logEntries (records: readonly Uint8Array[], ranges: readonly KeyRange[], visit: EntryVisitor): string[] {
  const problems: string[] = []
  for (const batch of records) {
    if (batch.length < 12) {
      problems.push('a log record is too short to be a write batch')
      continue
    }
    const seq = u32(batch, 0) + u32(batch, 4) * 2 ** 32
    const count = u32(batch, 8)
    let pos = 12
    try {
      for (let i = 0; i < count; i++) {
        if (pos >= batch.length) throw new RangeError('write batch holds fewer entries than it says')
        const tag = batch[pos++]
        if (tag > 1) throw new RangeError(`write batch entry has unknown tag ${tag}`)
        const [keyLength, p1] = varint(batch, pos, batch.length)
        if (p1 + keyLength > batch.length) throw new RangeError('write batch key overruns')
        const key = batch.subarray(p1, p1 + keyLength)
        pos = p1 + keyLength
        let value = batch.subarray(pos, pos)
        if (tag === 1) {
          const [valueLength, p2] = varint(batch, pos, batch.length)
          if (p2 + valueLength > batch.length) throw new RangeError('write batch value overruns')
          value = batch.subarray(p2, p2 + valueLength)
          pos = p2 + valueLength
        }
        if (inRanges(key, key.length, ranges)) visit(key, seq + i, tag === 0, value)
      }
      if (pos !== batch.length) throw new RangeError('write batch has bytes after its last entry')
    } catch (err) {
      problems.push(`a write batch cannot be read: ${(err as Error).message}`)
    }
  }
  return problems
}
