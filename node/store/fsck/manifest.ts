/**
 * Which files make up a LevelDB database right now: CURRENT names the manifest, and the manifest
 * (a log of VersionEdits, google/leveldb db/version_edit.cc) says which tables are live, at what
 * size, and from which log number on the write-ahead logs still matter. Files outside that set
 * are left-overs — e.g. the output of a compaction interrupted by close, which LevelDB deletes on
 * its next open — and hold none of the database's contents.
 *
 * @module
 */
import { readLogFile, varint } from './file-check.ts'

const COMPARATOR = 1
const LOG_NUMBER = 2
const NEXT_FILE = 3
const LAST_SEQUENCE = 4
const COMPACT_POINTER = 5
const DELETED_FILE = 6
const NEW_FILE = 7
const PREV_LOG_NUMBER = 9

export interface LiveFiles {
  /** Live tables: file number → size in bytes. */
  tables: Map<number, number>
  logNumber: number
  prevLogNumber: number
}

/** Replay the manifest's edits. Throws RangeError on an edit it cannot read. */
export function liveFiles (manifest: Uint8Array): { live: LiveFiles, problems: string[] } {
  const { records, problems } = readLogFile(manifest, true)
  const live: LiveFiles = { tables: new Map(), logNumber: 0, prevLogNumber: 0 }
  for (const edit of records) {
    let pos = 0
    const num = (): number => {
      const [v, p] = varint(edit, pos, edit.length)
      pos = p
      return v
    }
    const slice = (): void => {
      const n = num()
      if (pos + n > edit.length) throw new RangeError('manifest edit slice overruns')
      pos += n
    }
    while (pos < edit.length) {
      const tag = num()
      switch (tag) {
        case COMPARATOR:
          slice()
          break
        case LOG_NUMBER:
          live.logNumber = num()
          break
        case PREV_LOG_NUMBER:
          live.prevLogNumber = num()
          break
        case NEXT_FILE:
          num()
          break
        case LAST_SEQUENCE:
          num()
          break
        case COMPACT_POINTER:
          num()
          slice()
          break
        case DELETED_FILE:
          num()
          live.tables.delete(num())
          break
        case NEW_FILE: {
          num()
          const file = num()
          const size = num()
          slice()
          slice()
          live.tables.set(file, size)
          break
        }
        default:
          throw new RangeError(`manifest edit has unknown tag ${tag}`)
      }
    }
  }
  return { live, problems }
}
