/**
 * The object index of TAXII collections, in the node's store (sublevel `taxii-ix`), so that a
 * page of objects, manifest or versions is a range scan over the page, not a scan of the inbox.
 * Keys, per collection C, where POS = pad(date added ms)!message digest!pad(index in bundle)
 * (date-added order, the order TAXII serves):
 *
 *     C!a!POS            → [id, type, version, spec_version]   every object, by date added
 *     C!i!ID!POS         → [version, spec_version, type]       the versions of one object id
 *     C!t!TYPE!POS       → ''                                  the objects of one STIX type
 *     C!m!DIGEST         → [[index, id, type, at], …]          what one message contributed
 *     C!n!ID             → count                               how many versions of ID are indexed
 *
 * The `m` record lets a purge or a collection's removal delete exactly the keys a message
 * added (and makes adding a message twice a no-op). The `n` count spares `match[version]`
 * (`last` by default) a look at the versions of every object on a page: only ids with more
 * than one version need it. Only the indexer (indexer.ts) writes here, one `IndexBatch` at a
 * time; this module holds the layout and reads.
 *
 * @module
 */
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import type { StixObject } from '../../protocol/stix/index.ts'
import type { BatchOp } from '../store/index.ts'
import { pad } from '../store/index.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type IndexSub = AbstractSublevel<Level<string, unknown>, any, string, string>

const SEP = '!'
const END = '\xff'

/** One object of a collection, as the index knows it (no body: that stays in the envelope). */
export interface IndexEntry {
  id: string
  type: string
  /** TAXII 2.1 §3.4.1: `modified`, else `created`, else the date added. */
  version: string
  specVersion: string
  /** Date added (ms): when the object entered the collection (indexer.ts). */
  at: number
  digest: string
  index: number
}

export const posOf = (at: number, digest: string, index: number): string => pad(at) + SEP + digest + SEP + String(index).padStart(6, '0')

/** A position key back into its parts. */
export function parsePos (pos: string): { at: number, digest: string, index: number } {
  const [at, digest, index] = pos.split(SEP)
  return { at: Number(at), digest, index: Number(index) }
}

/** The version of an object (TAXII 2.1 §3.4.1): `modified`, else `created`, else date added. */
export function versionOf (o: StixObject, at: number): string {
  if (typeof o.modified === 'string') return o.modified
  if (typeof o.created === 'string') return o.created
  return new Date(at).toISOString()
}

/** The index entries of one message's bundle (objects whose id is in `skip` are left out). */
export function entriesOf (objects: readonly StixObject[], at: number, digest: string, skip: ReadonlySet<string> = new Set()): IndexEntry[] {
  const out: IndexEntry[] = []
  objects.forEach((o, index) => {
    const id = String(o.id)
    if (skip.has(id)) return
    out.push({
      id,
      type: String(o.type),
      version: versionOf(o, at),
      specVersion: typeof o.spec_version === 'string' ? o.spec_version : '2.1',
      at,
      digest,
      index
    })
  })
  return out
}

/** One write to the index being prepared: its operations, and the version counts it changes. */
export class IndexBatch {
  readonly ops: BatchOp[] = []
  /** C!n!ID → change of the count. */
  readonly deltas = new Map<string, number>()
  /** C!DIGEST of the messages this batch adds. */
  readonly added = new Set<string>()
}

export class ObjectIndex {
  readonly sub: IndexSub

  constructor (sub: IndexSub) {
    this.sub = sub
  }

  private bump (batch: IndexBatch, collection: string, id: string, by: number): void {
    const key = collection + SEP + 'n' + SEP + id
    batch.deltas.set(key, (batch.deltas.get(key) ?? 0) + by)
  }

  /** The key of what one message contributed to a collection (see the layout above). */
  recordKey (collection: string, digest: string): string {
    return collection + SEP + 'm' + SEP + digest
  }

  /** Which of these messages a collection already holds, in one read (what `add` is told). */
  async held (pairs: ReadonlyArray<{ collection: string, digest: string }>): Promise<boolean[]> {
    if (pairs.length === 0) return []
    return (await this.sub.getMany(pairs.map(p => this.recordKey(p.collection, p.digest)))).map(v => v != null)
  }

  /** Adds a message's entries to a collection, unless it holds them already (`held`) or this batch adds them. */
  add (batch: IndexBatch, collection: string, digest: string, entries: readonly IndexEntry[], held: boolean): void {
    const record = this.recordKey(collection, digest)
    if (entries.length === 0 || held || batch.added.has(collection + SEP + digest)) return
    batch.added.add(collection + SEP + digest)
    const put = (key: string, value: string): void => {
      batch.ops.push({ type: 'put', sublevel: this.sub, key: collection + SEP + key, value })
    }
    for (const e of entries) {
      const pos = posOf(e.at, e.digest, e.index)
      put('a' + SEP + pos, JSON.stringify([e.id, e.type, e.version, e.specVersion]))
      put('i' + SEP + e.id + SEP + pos, JSON.stringify([e.version, e.specVersion, e.type]))
      put('t' + SEP + e.type + SEP + pos, '')
      this.bump(batch, collection, e.id, 1)
    }
    batch.ops.push({ type: 'put', sublevel: this.sub, key: record, value: JSON.stringify(entries.map(e => [e.index, e.id, e.type, e.at])) })
  }

  /** Removes what a message added to a collection (its entries still there: DELETE may have taken some). */
  async removeMessage (batch: IndexBatch, collection: string, digest: string): Promise<void> {
    const record = await this.sub.get(collection + SEP + 'm' + SEP + digest)
    if (record == null) return
    batch.ops.push({ type: 'del', sublevel: this.sub, key: collection + SEP + 'm' + SEP + digest })
    const entries = (JSON.parse(record) as Array<[number, string, string, number]>).map(([index, id, type, at]) => ({ id, type, at, digest, index }))
    const present = await this.sub.getMany(entries.map(e => collection + SEP + 'a' + SEP + posOf(e.at, e.digest, e.index)))
    entries.forEach((e, i) => {
      if (present[i] != null) this.removeEntry(batch, collection, e)
    })
  }

  /** Removes every version of one object id from a collection; the entries removed. */
  async removeObject (batch: IndexBatch, collection: string, id: string): Promise<IndexEntry[]> {
    const entries = await this.versions(collection, id)
    for (const e of entries) this.removeEntry(batch, collection, e)
    return entries
  }

  private removeEntry (batch: IndexBatch, collection: string, e: Pick<IndexEntry, 'id' | 'type' | 'at' | 'digest' | 'index'>): void {
    const pos = posOf(e.at, e.digest, e.index)
    for (const key of ['a' + SEP + pos, 'i' + SEP + e.id + SEP + pos, 't' + SEP + e.type + SEP + pos]) {
      batch.ops.push({ type: 'del', sublevel: this.sub, key: collection + SEP + key })
    }
    this.bump(batch, collection, e.id, -1)
  }

  /** A batch's operations, with its version counts applied. */
  async finish (batch: IndexBatch): Promise<BatchOp[]> {
    const keys = [...batch.deltas.keys()]
    const base = await this.sub.getMany(keys)
    const counts: BatchOp[] = keys.map((key, i) => {
      const n = Number(base[i] ?? 0) + (batch.deltas.get(key) ?? 0)
      return n > 0 ? { type: 'put', sublevel: this.sub, key, value: String(n) } : { type: 'del', sublevel: this.sub, key }
    })
    return [...batch.ops, ...counts]
  }

  /** How many versions of each id a collection holds. */
  async counts (collection: string, ids: readonly string[]): Promise<Map<string, number>> {
    const values = await this.sub.getMany(ids.map(id => collection + SEP + 'n' + SEP + id))
    return new Map(ids.map((id, i) => [id, Number(values[i] ?? 0)]))
  }

  /** Every key of a collection (its removal), in chunks. */
  async *collectionKeys (collection: string, chunk = 1000): AsyncGenerator<string[]> {
    let batch: string[] = []
    for await (const key of this.sub.keys({ gt: collection + SEP, lt: collection + SEP + END })) {
      batch.push(key)
      if (batch.length >= chunk) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
  }

  /** The latest date added (ms) in a collection, 0 when it is empty. */
  async lastAt (collection: string): Promise<number> {
    const prefix = collection + SEP + 'a' + SEP
    for await (const key of this.sub.keys({ gt: prefix, lt: prefix + END, reverse: true, limit: 1 })) return parsePos(key.slice(prefix.length)).at
    return 0
  }

  /** Every indexed version of one object id, in date-added order. */
  async versions (collection: string, id: string): Promise<IndexEntry[]> {
    const prefix = collection + SEP + 'i' + SEP + id + SEP
    const out: IndexEntry[] = []
    for await (const [key, value] of this.sub.iterator({ gt: prefix, lt: prefix + END })) {
      const [version, specVersion, type] = JSON.parse(value) as [string, string, string]
      out.push({ id, type, version, specVersion, ...parsePos(key.slice(prefix.length)) })
    }
    return out
  }

  /**
   * Entries in date-added order after `after` (a POS, exclusive), all types or one type, in
   * batches of at most `size`; the caller stops iterating once it has its page.
   */
  async *scan (collection: string, after: string | undefined, type?: string, size = 256): AsyncGenerator<IndexEntry[]> {
    const prefix = collection + SEP + (type != null ? 't' + SEP + type + SEP : 'a' + SEP)
    const it = this.sub.iterator({ gt: prefix + (after ?? ''), lt: prefix + END })
    try {
      for (let batch = await it.nextv(size); batch.length > 0; batch = await it.nextv(size)) {
        const poss = batch.map(([key]) => key.slice(prefix.length))
        // The type index holds positions only: the entries come from the date-added keys.
        const values = type == null ? batch.map(([, value]) => value) : await this.sub.getMany(poss.map(pos => collection + SEP + 'a' + SEP + pos))
        const out: IndexEntry[] = []
        values.forEach((value, i) => {
          if (value == null) return
          const [id, t, version, specVersion] = JSON.parse(value) as [string, string, string, string]
          out.push({ id, type: t, version, specVersion, ...parsePos(poss[i]) })
        })
        yield out
      }
    } finally {
      await it.close()
    }
  }
}
