/**
 * Main-thread side of reading the audit entries: what the workers found in each store file
 * (entry-scan.ts) is kept by key, the version with the highest sequence number over all live files
 * winning — what LevelDB serves, and nothing if that is a deletion — then handed to the entry
 * pass in key order.
 *
 * @module
 */
import type { VerifyContext } from './context.ts'
import { ENTRY_DELETED, ENTRY_RECORD } from './entry-scan.ts'
import type { FoundEntries } from './entry-scan.ts'

/** One version of an entry: which file's results, which record, its sequence number. */
export interface EntryVersion {
  from: FoundEntryFile
  record: number
  seq: number
}

/** What a worker found in one file, with views and lookups for reading it. */
export interface FoundEntryFile {
  found: FoundEntries
  view: DataView
  bytes: Buffer
  problems: Map<number, string>
  digests: Map<number, string[]>
  /** found.peers as pool table indexes */
  peers: number[]
}

/** The newest version of each entry key over every file the workers read. */
export class EntryVersions {
  private readonly newest = new Map<string, EntryVersion>()
  private ctx: VerifyContext | undefined
  private readonly pending: FoundEntries[] = []

  add (found: FoundEntries): void {
    if (this.ctx === undefined) this.pending.push(found)
    else this.apply(this.ctx, found)
  }

  attach (ctx: VerifyContext): void {
    this.ctx = ctx
    for (const found of this.pending.splice(0)) this.apply(ctx, found)
  }

  private apply (ctx: VerifyContext, found: FoundEntries): void {
    const view = new DataView(found.buffer)
    const from: FoundEntryFile = {
      found,
      view,
      bytes: Buffer.from(found.buffer),
      problems: new Map(found.problems),
      digests: new Map(found.digests),
      peers: found.peers.map(p => ctx.pool.peer(p))
    }
    for (let i = 0; i < found.count; i++) {
      const seq = view.getFloat64(i * ENTRY_RECORD + 8, true)
      const key = found.keys[i]
      const had = this.newest.get(key)
      if (had === undefined || seq > had.seq) this.newest.set(key, { from, record: i, seq })
    }
  }

  /** The live entries (newest version not a deletion), in key order. */
  ordered (): Array<[string, EntryVersion]> {
    const live: Array<[string, EntryVersion]> = []
    for (const [key, v] of this.newest) if (v.from.bytes[v.record * ENTRY_RECORD] !== ENTRY_DELETED) live.push([key, v])
    // Keys are ASCII (pad(index)); for them UTF-16 order is LevelDB's byte order.
    return live.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  }
}
