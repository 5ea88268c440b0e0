/**
 * The object index of TAXII collections, in the node's store (sublevel `taxii-ix`), so that a
 * page of objects, manifest or versions is a range scan over the page, not a scan of the inbox.
 * Keys, per collection C, where POS = pad(date added ms)!message digest!pad(index in bundle)
 * (date-added order, the order TAXII serves):
 *
 *     C!a!POS            → [id, type, version, spec_version]   every object, by date added
 *     C!i!ID!POS         → [version, spec_version, type]       the versions of one object id
 *     C!t!TYPE!POS       → ''                                  the objects of one STIX type
 *     C!m!DIGEST         → [[index, id, type], …]              what one message contributed
 *
 * The `m` record lets a purge or a collection's removal delete exactly the keys a message
 * added. Only the indexer (indexer.ts) writes here; this module holds the layout and reads.
 *
 * @module
 */
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import type { StixObject } from '../../protocol/stix/index.ts'
import type { BatchOp } from '../store/group-commit.ts'
import { pad } from '../store/store.ts'

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
    out.push({ id, type: String(o.type), version: versionOf(o, at), specVersion: typeof o.spec_version === 'string' ? o.spec_version : '2.1', at, digest, index })
  })
  return out
}

export class ObjectIndex {
  readonly sub: IndexSub

  constructor (sub: IndexSub) {
    this.sub = sub
  }

  /** Operations that add a message's entries to a collection. */
  addOps (collection: string, digest: string, entries: readonly IndexEntry[]): BatchOp[] {
    const ops: BatchOp[] = []
    const put = (key: string, value: string): void => { ops.push({ type: 'put', sublevel: this.sub, key: collection + SEP + key, value }) }
    for (const e of entries) {
      const pos = posOf(e.at, e.digest, e.index)
      put('a' + SEP + pos, JSON.stringify([e.id, e.type, e.version, e.specVersion]))
      put('i' + SEP + e.id + SEP + pos, JSON.stringify([e.version, e.specVersion, e.type]))
      put('t' + SEP + e.type + SEP + pos, '')
    }
    if (entries.length > 0) put('m' + SEP + digest, JSON.stringify(entries.map(e => [e.index, e.id, e.type, e.at])))
    return ops
  }

  /** Operations that remove what a message added to a collection (none if it added nothing). */
  async removeMessageOps (collection: string, digest: string): Promise<BatchOp[]> {
    const record = await this.sub.get(collection + SEP + 'm' + SEP + digest)
    if (record == null) return []
    const ops: BatchOp[] = [{ type: 'del', sublevel: this.sub, key: collection + SEP + 'm' + SEP + digest }]
    for (const [index, id, type, at] of JSON.parse(record) as Array<[number, string, string, number]>) {
      ops.push(...this.entryDelOps(collection, { id, type, at, digest, index }))
    }
    return ops
  }

  /** Operations that remove every version of one object id from a collection, and those entries. */
  async removeObjectOps (collection: string, id: string): Promise<{ ops: BatchOp[], entries: IndexEntry[] }> {
    const entries = await this.versions(collection, id)
    return { ops: entries.flatMap(e => this.entryDelOps(collection, e)), entries }
  }

  private entryDelOps (collection: string, e: Pick<IndexEntry, 'id' | 'type' | 'at' | 'digest' | 'index'>): BatchOp[] {
    const pos = posOf(e.at, e.digest, e.index)
    const del = (key: string): BatchOp => ({ type: 'del', sublevel: this.sub, key: collection + SEP + key })
    return [del('a' + SEP + pos), del('i' + SEP + e.id + SEP + pos), del('t' + SEP + e.type + SEP + pos)]
  }

  /** Every key of a collection (its removal), in chunks. */
  async * collectionKeys (collection: string, chunk = 1000): AsyncGenerator<string[]> {
    let batch: string[] = []
    for await (const key of this.sub.keys({ gt: collection + SEP, lt: collection + SEP + END })) {
      batch.push(key)
      if (batch.length >= chunk) { yield batch; batch = [] }
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
   * Entries in date-added order after `after` (a POS, exclusive), all types or one type, read
   * in batches; the caller stops iterating once it has its page.
   */
  async * scan (collection: string, after: string | undefined, type?: string): AsyncGenerator<IndexEntry> {
    const prefix = collection + SEP + (type != null ? 't' + SEP + type + SEP : 'a' + SEP)
    const it = this.sub.iterator({ gt: prefix + (after ?? ''), lt: prefix + END })
    try {
      for (let batch = await it.nextv(256); batch.length > 0; batch = await it.nextv(256)) {
        if (type == null) {
          for (const [key, value] of batch) {
            const [id, t, version, specVersion] = JSON.parse(value) as [string, string, string, string]
            yield { id, type: t, version, specVersion, ...parsePos(key.slice(prefix.length)) }
          }
          continue
        }
        // The type index holds positions only: the entries come from the date-added keys.
        const keys = batch.map(([key]) => collection + SEP + 'a' + SEP + key.slice(prefix.length))
        const values = await this.sub.getMany(keys)
        for (const [i, value] of values.entries()) {
          if (value == null) continue
          const [id, t, version, specVersion] = JSON.parse(value) as [string, string, string, string]
          yield { id, type: t, version, specVersion, ...parsePos(batch[i][0].slice(prefix.length)) }
        }
      }
    } finally {
      await it.close()
    }
  }
}
