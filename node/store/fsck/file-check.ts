/**
 * Checks the raw files of a LevelDB directory against their on-disk formats
 * (google/leveldb doc/log_format.md and doc/table_format.md), so that a changed byte anywhere in
 * the store is found even where LevelDB itself would not look: LevelDB does not verify block
 * checksums on reads by default, skips corrupt log records on recovery, and never reads
 * superseded values again.
 *
 * - log files (`NNNNNN.log`) and manifests (`MANIFEST-NNNNNN`): 32 KiB blocks of records
 *   `masked crc32c(type ‖ data) u32le, length u16le, type u8, data`; fragments must be FULL or
 *   FIRST MIDDLE* LAST; a block's last < 7 bytes must be zero; the file must end on a record
 *   boundary (a torn tail is reported: only a crash during an unacknowledged write leaves one,
 *   and a node that restarts recovers it away);
 * - tables (`NNNNNN.ldb` / `.sst`): the 48-byte footer (two block handles, zero padding, magic
 *   0xdb4775248b80fb57), every block's trailer `type u8, masked crc32c(block ‖ type) u32le`, and
 *   the blocks the index and metaindex name (index blocks are decompressed with snappy when
 *   needed) must tile the file exactly, with no byte outside a checksummed block or the footer;
 * - `CURRENT` must name an existing manifest, followed by a newline.
 *
 * `LOG` / `LOG.old` (LevelDB's human-readable diagnostics) and the empty `LOCK` file hold no
 * data and are not checked.
 *
 * @module
 */
import { crc32c, crc32cUpdate, unmaskCrc } from './crc32c.ts'
import { snappyDecompress } from './snappy.ts'

export type LevelDbFileKind = 'log' | 'table' | 'manifest' | 'current' | 'ignored' | 'unknown'

/** What a file in a LevelDB directory is, by its name. */
export function levelDbFileKind (name: string): LevelDbFileKind {
  if (/^\d+\.log$/.test(name)) return 'log'
  if (/^\d+\.(ldb|sst)$/.test(name)) return 'table'
  if (/^MANIFEST-\d+$/.test(name)) return 'manifest'
  if (name === 'CURRENT') return 'current'
  if (name === 'LOCK' || name === 'LOG' || name === 'LOG.old') return 'ignored'
  return 'unknown'
}

const BLOCK_SIZE = 32768
const HEADER_SIZE = 7
const FULL = 1
const FIRST = 2
const MIDDLE = 3
const LAST = 4

function u32 (b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0
}

function allZero (b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] !== 0) return false
  return true
}

/** The records of a log-format file (reassembled from fragments when `collect`), and its problems. */
export function readLogFile (bytes: Uint8Array, collect = false): { records: Uint8Array[], problems: string[] } {
  const problems: string[] = []
  const records: Uint8Array[] = []
  let fragments: Uint8Array[] = []
  let pos = 0
  let inFragmented = false
  while (pos < bytes.length) {
    const blockLeft = BLOCK_SIZE - (pos % BLOCK_SIZE)
    if (blockLeft < HEADER_SIZE) {
      const end = Math.min(pos + blockLeft, bytes.length)
      if (!allZero(bytes, pos, end)) problems.push(`block trailer at byte ${pos} is not zero`)
      pos = end
      continue
    }
    if (pos + HEADER_SIZE > bytes.length) {
      problems.push(
        `file ends inside a record header at byte ${pos} (a torn write: the node crashed mid-write and has not restarted since, or the file was cut)`
      )
      break
    }
    const stored = u32(bytes, pos)
    const length = bytes[pos + 4] | (bytes[pos + 5] << 8)
    const type = bytes[pos + 6]
    if (type === 0 && length === 0 && stored === 0) {
      if (allZero(bytes, pos, bytes.length)) break
      problems.push(`zero record header at byte ${pos} followed by data`)
      break
    }
    const dataEnd = pos + HEADER_SIZE + length
    if (dataEnd > bytes.length || length > blockLeft - HEADER_SIZE) {
      problems.push(
        dataEnd > bytes.length
          ? `record at byte ${pos} runs past the end of the file (a torn write, a cut file, or a changed length)`
          : `record at byte ${pos} crosses a block boundary (changed length)`
      )
      break
    }
    const crc = crc32cUpdate(crc32c(bytes, pos + 6, pos + 7), bytes, pos + HEADER_SIZE, dataEnd)
    if (crc !== unmaskCrc(stored)) problems.push(`record at byte ${pos} fails its checksum`)
    const data = bytes.subarray(pos + HEADER_SIZE, dataEnd)
    if (type === FULL || type === FIRST) {
      if (inFragmented) problems.push(`record at byte ${pos} starts before the previous record ended`)
      inFragmented = type === FIRST
      fragments = [data]
    } else if (type === MIDDLE || type === LAST) {
      if (!inFragmented) problems.push(`record fragment at byte ${pos} has no beginning`)
      inFragmented = type === MIDDLE
      fragments.push(data)
    } else {
      problems.push(`record at byte ${pos} has unknown type ${type}`)
    }
    if (collect && (type === FULL || type === LAST)) records.push(fragments.length === 1 ? fragments[0] : Buffer.concat(fragments))
    pos = dataEnd
  }
  if (inFragmented && problems.length === 0) problems.push('file ends inside a fragmented record')
  return { records, problems }
}

/** Problems with a log-format file (a .log or a MANIFEST); empty if it is intact. */
export function checkLogFile (bytes: Uint8Array): string[] {
  return readLogFile(bytes).problems
}

const FOOTER_SIZE = 48
const TRAILER_SIZE = 5
const MAGIC_LO = 0x8b80fb57
const MAGIC_HI = 0xdb477524

interface Handle {
  offset: number
  size: number
}

export function varint (b: Uint8Array, pos: number, end: number): [number, number] {
  let result = 0
  for (let shift = 0; shift < 64; shift += 7) {
    if (pos >= end) throw new RangeError('truncated varint')
    const byte = b[pos++]
    result += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return [result, pos]
  }
  throw new RangeError('varint too long')
}

function handleAt (b: Uint8Array, pos: number, end: number): [Handle, number] {
  const [offset, p1] = varint(b, pos, end)
  const [size, p2] = varint(b, p1, end)
  return [{ offset, size }, p2]
}

/** The checked contents of a block (decompressed when asked), or a problem. */
function readBlock (bytes: Uint8Array, h: Handle, what: string, contents = true): Uint8Array | string {
  const end = h.offset + h.size
  if (!Number.isSafeInteger(end) || end + TRAILER_SIZE > bytes.length - FOOTER_SIZE) return `${what} block handle (${h.offset}+${h.size}) lies outside the file`
  const type = bytes[end]
  const crc = crc32cUpdate(crc32c(bytes, h.offset, end), bytes, end, end + 1)
  if (crc !== unmaskCrc(u32(bytes, end + 1))) return `${what} block at byte ${h.offset} fails its checksum`
  const raw = bytes.subarray(h.offset, end)
  if (type !== 0 && type !== 1) return `${what} block at byte ${h.offset} has unknown compression type ${type}`
  if (type === 0 || !contents) return raw
  try {
    return snappyDecompress(raw)
  } catch (err) {
    return `${what} block at byte ${h.offset} does not decompress: ${(err as Error).message}`
  }
}

/** The values (block handles) of a block's entries. */
function blockHandles (block: Uint8Array, what: string): Handle[] | string {
  if (block.length < 4) return `${what} block is too short`
  const restarts = u32(block, block.length - 4)
  const limit = block.length - 4 - 4 * restarts
  if (restarts < 1 || limit < 0) return `${what} block has a bad restart array`
  const handles: Handle[] = []
  let pos = 0
  try {
    while (pos < limit) {
      const [, p1] = varint(block, pos, limit)
      const [unshared, p2] = varint(block, p1, limit)
      const [valueLength, p3] = varint(block, p2, limit)
      const valueStart = p3 + unshared
      if (valueStart + valueLength > limit) return `${what} block entry at ${pos} overruns the block`
      const [handle] = handleAt(block, valueStart, valueStart + valueLength)
      handles.push(handle)
      pos = valueStart + valueLength
    }
  } catch (err) {
    return `${what} block is malformed: ${(err as Error).message}`
  }
  return handles
}

/** Problems with a table file; empty if every byte is inside a checksummed block or the footer. */
export function checkTableFile (bytes: Uint8Array): string[] {
  if (bytes.length < FOOTER_SIZE) return [`file is ${bytes.length} bytes, shorter than a table footer`]
  const footer = bytes.length - FOOTER_SIZE
  if (u32(bytes, bytes.length - 8) !== MAGIC_LO || u32(bytes, bytes.length - 4) !== MAGIC_HI) return ['footer magic number is wrong']
  let metaindex: Handle, index: Handle, pos: number
  try {
    ;[metaindex, pos] = handleAt(bytes, footer, footer + 40)
    ;[index, pos] = handleAt(bytes, pos, footer + 40)
  } catch (err) {
    return [`footer block handles are malformed: ${(err as Error).message}`]
  }
  if (!allZero(bytes, pos, footer + 40)) return ['footer padding is not zero']

  const problems: string[] = []
  const blocks: Handle[] = [metaindex, index]
  for (const [top, what] of [[index, 'index'], [metaindex, 'metaindex']] as const) {
    const block = readBlock(bytes, top, what)
    if (typeof block === 'string') {
      problems.push(block)
      continue
    }
    const handles = blockHandles(block, what)
    if (typeof handles === 'string') {
      problems.push(handles)
      continue
    }
    for (const h of handles) {
      const checked = readBlock(bytes, h, what === 'index' ? 'data' : 'meta', false)
      if (typeof checked === 'string') problems.push(checked)
      blocks.push(h)
    }
  }
  if (problems.length > 0) return problems
  // Every byte must belong to exactly one block (with its trailer) or to the footer.
  blocks.sort((a, b) => a.offset - b.offset)
  let covered = 0
  for (const b of blocks) {
    if (b.offset !== covered) return [`bytes ${Math.min(covered, b.offset)}..${Math.max(covered, b.offset)} are not inside any block`]
    covered = b.offset + b.size + TRAILER_SIZE
  }
  if (covered !== footer) return [`bytes ${covered}..${footer} are not inside any block`]
  return []
}

/** Problems with CURRENT, given the names of the files beside it. */
export function checkCurrentFile (bytes: Uint8Array, names: ReadonlySet<string>): string[] {
  const text = Buffer.from(bytes).toString('latin1')
  const match = /^(MANIFEST-\d+)\n$/.exec(text)
  if (match == null) return ['CURRENT does not hold a manifest name and a newline']
  if (!names.has(match[1])) return [`CURRENT names ${match[1]}, which does not exist`]
  return []
}

/**
 * Problems with one file by kind. `expectedSize`: the
 * size the manifest records for a table.
 */
export function checkLevelDbFile (kind: LevelDbFileKind, bytes: Uint8Array, names: ReadonlySet<string>, expectedSize?: number): string[] {
  if (expectedSize !== undefined && bytes.length !== expectedSize) return [`is ${bytes.length} bytes; the manifest says ${expectedSize}`]
  switch (kind) {
    case 'log':
    case 'manifest':
      return checkLogFile(bytes)
    case 'table':
      return checkTableFile(bytes)
    case 'current':
      return checkCurrentFile(bytes, names)
    default:
      return []
  }
}
