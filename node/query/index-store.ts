/**
 * The node's own reference data for hit/no-hit queries (PROTOCOL.md §19.3), in its own LevelDB
 * (`DATA_DIR/query-index`): per selector type, each canonical selector with the agency's local
 * reference (plaintext: this store is the one documented place on the answering side), and its
 * OPRF output under the current key epoch. Also the OPRF key: a 32-byte seed per epoch, from
 * which RFC 9497 DeriveKeyPair gives (skS, pkS). `rotateKey` starts a new epoch and re-evaluates
 * every record (the re-keyed index); the old seed is deleted.
 *
 * Per type the store also keeps a change log for incremental hit-filter sync (§19.8): every
 * addition of a new selector and every removal gets the next sequence number, in the same
 * LevelDB batch as the change itself; the oldest changes beyond the configured length are
 * dropped (an asker further behind gets a full filter).
 *
 * Large builds run through the worker pool (oprf-pool.ts): batches are evaluated on every core,
 * a bounded number in flight, and written here on the main thread in input order, so memory
 * stays bounded for a streamed CSV of any length and the result equals the inline one.
 *
 * Keys: `key` → { epoch, seed, created }; `s!TYPE!CANONICAL` → { ref, added, output };
 * `o!TYPE!OUTPUT_HEX` → CANONICAL; `n!TYPE` → { seq, size, floor } (last change, records,
 * first change kept); `c!TYPE!SEQ` → { op: 'a' | 'd', o: OUTPUT_HEX }; `kh!KEY_ID` → { epoch,
 * publicKey, created, retired }: the public part of each retired key (its seed is gone), so the
 * node can sign an OPRF key notice for an asker that still holds it (PROTOCOL.md §19.9).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Level } from 'level'
import { deriveKeyPair, MODE, NH, type KeyPair } from '../../protocol/oprf/index.ts'
import { MAX_FILTER_TAGS, oprfKeyId } from '../../protocol/query/index.ts'
import { normaliseSelector, type NormaliseOptions } from '../../protocol/selectors/index.ts'
import {
  DEFAULT_INDEX_BATCH,
  DEFAULT_INDEX_POOL_MIN_BATCHES,
  DEFAULT_QUERY_FILTER_LOG,
  DEFAULT_STORE_WRITE_BUFFER_BYTES,
  defaultIndexWorkers
} from '../defaults.ts'
import { evaluateBatch, type EvaluateJob, type EvaluateResult } from './evaluate-batch.ts'
import { OprfPool } from './oprf-pool.ts'

interface KeyRecord {
  epoch: number
  seed: string
  created: string
}
interface SelectorRecord {
  ref: string
  added: string
  output: string
}
/** Per type: the last change's sequence number, the record count, the first change still logged. */
interface TypeMeta {
  seq: number
  size: number
  floor: number
}
interface ChangeRecord {
  op: 'a' | 'd'
  o: string
}
/** A retired key's public part. */
export interface RetiredKey {
  epoch: number
  publicKey: string
  created: string
  retired: string
}

/** One selector to add. */
export interface IndexEntry {
  readonly value: string
  readonly ref: string
  /** Where it came from, for error reports (e.g. a CSV line); never the value. */
  readonly origin?: string
}

/** At most this many refusals are itemised in an AddResult (the count is always exact). */
export const MAX_REFUSALS_LISTED = 1000

/** The result of an add: counts, and per refused entry its origin and code (never the value). */
export interface AddResult {
  added: number
  updated: number
  /** The first MAX_REFUSALS_LISTED refusals. */
  refused: Array<{ origin: string, code: string, reason: string }>
  /** All refusals. */
  refusedTotal: number
}

/** Per-type counts. */
export type IndexStats = Record<string, number>

/** How an add or re-key evaluates: worker threads (`workers`, default one per core) or inline (0). */
export interface BuildOptions {
  readonly workers?: number
  /** A pool to use (and leave open) instead of starting one. */
  readonly pool?: OprfPool
  readonly now?: () => Date
}

/** What an asker needs to bring its filter for one type up to date (§19.8), as OPRF outputs. */
export interface FilterSync {
  readonly keyId: string
  /** null: a full filter (replace); else the asker's `seq` the delta applies on. */
  readonly since: number | null
  readonly seq: number
  /** Records after applying. */
  readonly size: number
  /** Parts of at most MAX_FILTER_TAGS outputs (added + removed), at least one. */
  readonly parts: AsyncIterable<{ added: Uint8Array[], removed: Uint8Array[] }>
}

const KEY_INFO = (epoch: number): Uint8Array => new TextEncoder().encode(`liaison-query-oprf-epoch-${epoch}`)
const pad = (n: number): string => String(n).padStart(15, '0')
const changeKey = (type: string, seq: number): string => `c!${type}!${pad(seq)}`
const hexBytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))

type Op = { type: 'put', key: string, value: unknown } | { type: 'del', key: string }

/** The index. Open with `IndexStore.open(dir)`; one process at a time (LevelDB's lock). */
export class IndexStore {
  readonly #db: Level<string, unknown>
  readonly #logMax: number
  #key: { epoch: number, keys: KeyPair, created: string }

  private constructor (db: Level<string, unknown>, key: { epoch: number, keys: KeyPair, created: string }, logMax: number) {
    this.#db = db
    this.#key = key
    this.#logMax = logMax
  }

  static async open (dir: string, options: { now?: () => Date, filterLog?: number } = {}): Promise<IndexStore> {
    const now = options.now ?? (() => new Date())
    // The store's 16 MiB memtable, for the same reason (defaults.ts): building a 50,000-selector
    // index with LevelDB's own 4 MiB took ~19 µs CPU per selector outside the OPRF work, with
    // 16 MiB ~13 µs (build rate 10.5 k → 11.1 k/s on the 2-core machine; 64 MiB no better).
    const db = new Level<string, unknown>(dir, { valueEncoding: 'json', writeBufferSize: DEFAULT_STORE_WRITE_BUFFER_BYTES })
    await db.open()
    let rec = await db.get('key') as KeyRecord | undefined
    if (rec === undefined) {
      rec = { epoch: 1, seed: randomBytes(32).toString('hex'), created: now().toISOString() }
      await db.put('key', rec, { sync: true })
    }
    return new IndexStore(
      db,
      { epoch: rec.epoch, keys: deriveKeyPair(MODE.voprf, Buffer.from(rec.seed, 'hex'), KEY_INFO(rec.epoch)), created: rec.created },
      Math.max(1, options.filterLog ?? DEFAULT_QUERY_FILTER_LOG)
    )
  }

  /** The current OPRF key pair (the secret key never leaves the node). */
  get keys (): KeyPair {
    return this.#key.keys
  }
  /** The published part: epoch, public key (base64), key id, since when. */
  publicKey (): { epoch: number, publicKey: string, keyId: string, created: string } {
    return {
      epoch: this.#key.epoch,
      publicKey: Buffer.from(this.#key.keys.publicKey).toString('base64'),
      keyId: oprfKeyId(this.#key.keys.publicKey),
      created: this.#key.created
    }
  }

  /** A type's change-log state; an index written before the log existed is counted once. */
  async #meta (type: string): Promise<TypeMeta> {
    const meta = await this.#db.get(`n!${type}`) as TypeMeta | undefined
    if (meta !== undefined) return meta
    let size = 0
    for await (const key of this.#db.keys({ gt: `o!${type}!`, lt: `o!${type}"` })) if (key.length > 0) size++
    return { seq: 0, size, floor: 1 }
  }

  /** Appends one change to the log (ops for the caller's batch), dropping the oldest past the limit. */
  #logChange (type: string, meta: TypeMeta, op: ChangeRecord['op'], output: string, ops: Op[]): void {
    meta.seq++
    meta.size += op === 'a' ? 1 : -1
    ops.push({ type: 'put', key: changeKey(type, meta.seq), value: { op, o: output } satisfies ChangeRecord })
    while (meta.seq - meta.floor + 1 > this.#logMax) ops.push({ type: 'del', key: changeKey(type, meta.floor++) })
  }

  /**
   * Adds or updates selectors of one type from an array or a stream (a CSV read with
   * `openCsv`); refused values are reported by origin and code. Each batch is written whole
   * (records, outputs, log) or not at all.
   */
  async add (
    type: string,
    entries: Iterable<IndexEntry> | AsyncIterable<IndexEntry>,
    options?: NormaliseOptions,
    build: BuildOptions = {}
  ): Promise<AddResult> {
    const result: AddResult = { added: 0, updated: 0, refused: [], refusedTotal: 0 }
    const refuse = (origin: string, code: string, reason: string): void => {
      result.refusedTotal++
      if (result.refused.length < MAX_REFUSALS_LISTED) result.refused.push({ origin, code, reason })
    }
    const meta = await this.#meta(type)
    let position = 0
    const batches = async function* (): AsyncGenerator<{ job: EvaluateJob, entries: IndexEntry[], origins: string[] }> {
      let slice: IndexEntry[] = []
      const flush = (): { job: EvaluateJob, entries: IndexEntry[], origins: string[] } => {
        const accepted: IndexEntry[] = []
        const origins: string[] = []
        for (const e of slice) {
          position++
          const origin = e.origin ?? `entry ${position}`
          // The reference is checked here, the value by the evaluation (both never echoed).
          if (e.ref.length === 0 || e.ref.length > 256) refuse(origin, 'BAD_SELECTOR', `${type}: the local reference must be 1–256 characters`)
          else {
            accepted.push(e)
            origins.push(origin)
          }
        }
        slice = []
        return { job: { type, values: accepted.map(e => e.value), normalise: true, ...(options !== undefined ? { options } : {}) }, entries: accepted, origins }
      }
      for await (const e of entries) {
        slice.push(e)
        if (slice.length >= DEFAULT_INDEX_BATCH) yield flush()
      }
      if (slice.length > 0) yield flush()
    }
    await this.#build(batches(), build, async (batch, evaluated) => {
      const now = (build.now ?? (() => new Date()))().toISOString()
      for (const r of evaluated.refused) refuse(batch.origins[r.index], r.code, r.reason)
      // Last occurrence in a batch wins, as it would one by one.
      const latest = new Map<string, { ref: string, output: string }>()
      evaluated.canonical.forEach((c, j) => {
        if (c !== null) latest.set(c, { ref: batch.entries[j].ref, output: Buffer.from(evaluated.outputs.subarray(j * NH, (j + 1) * NH)).toString('hex') })
      })
      const canon = [...latest.keys()]
      const existing = await this.#db.getMany(canon.map((c) => `s!${type}!${c}`))
      const ops: Op[] = []
      canon.forEach((c, j) => {
        const { ref, output } = latest.get(c)!
        if (existing[j] === undefined) {
          result.added++
          this.#logChange(type, meta, 'a', output, ops)
        } else result.updated++
        ops.push({ type: 'put', key: `s!${type}!${c}`, value: { ref, added: now, output } satisfies SelectorRecord })
        ops.push({ type: 'put', key: `o!${type}!${output}`, value: c })
      })
      if (ops.length > 0) {
        ops.push({ type: 'put', key: `n!${type}`, value: { ...meta } })
        await this.#db.batch(ops, { sync: true })
      }
    })
    return result
  }

  /**
   * Evaluates `batches` inline or on the worker pool and hands each result to `write` in input
   * order; at most two batches per worker are in flight, so memory is bounded.
   */
  async #build<B extends { job: EvaluateJob }> (
    batches: AsyncIterable<B>,
    build: BuildOptions,
    write: (batch: B, evaluated: EvaluateResult) => Promise<void>
  ): Promise<void> {
    const keys = this.#key.keys
    const iterator = batches[Symbol.asyncIterator]()
    // Look ahead: a build of fewer batches than the threshold is not worth starting workers for.
    const head: B[] = []
    let ended = false
    while (head.length < DEFAULT_INDEX_POOL_MIN_BATCHES) {
      const next = await iterator.next()
      if (next.done === true) {
        ended = true
        break
      }
      head.push(next.value)
    }
    const workers = build.workers ?? defaultIndexWorkers(availableParallelism())
    if (build.pool === undefined && (ended || workers === 0)) {
      for (const b of head) await write(b, evaluateBatch(keys, b.job))
      if (!ended) { for await (const b of { [Symbol.asyncIterator]: () => iterator }) await write(b, evaluateBatch(keys, b.job)) }
      return
    }
    const pool = build.pool ?? new OprfPool(workers)
    try {
      await pool.ready()
      const inflight: Array<{ batch: B, result: Promise<EvaluateResult> }> = []
      const submit = (b: B): void => {
        const result = pool.evaluate(keys, b.job)
        result.catch(() => {})
        inflight.push({ batch: b, result })
      }
      for (const b of head) submit(b)
      const depth = 2 * pool.size
      let more = !ended
      while (inflight.length > 0 || more) {
        while (more && inflight.length < depth) {
          const next = await iterator.next()
          if (next.done === true) more = false
          else submit(next.value)
        }
        const first = inflight.shift()
        if (first !== undefined) await write(first.batch, await first.result)
      }
    } finally {
      if (build.pool === undefined) await pool.close()
    }
  }

  /** Removes one selector; false if it was not indexed. */
  async remove (type: string, value: string, options?: NormaliseOptions): Promise<boolean> {
    const canonical = normaliseSelector(type, value, options)
    const rec = await this.#db.get(`s!${type}!${canonical}`) as SelectorRecord | undefined
    if (rec === undefined) return false
    const meta = await this.#meta(type)
    const ops: Op[] = [{ type: 'del', key: `s!${type}!${canonical}` }, { type: 'del', key: `o!${type}!${rec.output}` }]
    this.#logChange(type, meta, 'd', rec.output, ops)
    ops.push({ type: 'put', key: `n!${type}`, value: meta })
    await this.#db.batch(ops, { sync: true })
    return true
  }

  /** Records per type. */
  async stats (): Promise<IndexStats> {
    const out: IndexStats = {}
    for await (const key of this.#db.keys({ gt: 's!', lt: 's"' })) {
      const type = key.slice(2, key.indexOf('!', 2))
      out[type] = (out[type] ?? 0) + 1
    }
    return out
  }

  /** The current OPRF outputs of one type (what the hit filters derive from). */
  async *outputs (type: string): AsyncGenerator<Uint8Array> {
    for await (const key of this.#db.keys({ gt: `o!${type}!`, lt: `o!${type}"` })) yield hexBytes(key.slice(3 + type.length))
  }

  /**
   * What an asker holding `have` (its filter's key id and seq for this type, or nothing) needs
   * (§19.8): a delta of the changes after `have.seq` when they are all still logged under the
   * same key and not more than the records (or one part), else the full set.
   */
  async filterSync (type: string, have?: { keyId: string, seq: number }): Promise<FilterSync> {
    const meta = await this.#meta(type)
    const keyId = this.publicKey().keyId
    const canDelta = have !== undefined && have.keyId === keyId && have.seq <= meta.seq && have.seq >= meta.floor - 1 &&
      meta.seq - have.seq <= Math.max(meta.size, MAX_FILTER_TAGS)
    const db = this.#db
    const chunked = async function* (
      source: AsyncIterable<{ op: 'a' | 'd', output: Uint8Array }>
    ): AsyncGenerator<{ added: Uint8Array[], removed: Uint8Array[] }> {
      let part = { added: [] as Uint8Array[], removed: [] as Uint8Array[] }
      let any = false
      for await (const c of source) {
        ;(c.op === 'a' ? part.added : part.removed).push(c.output)
        if (part.added.length + part.removed.length >= MAX_FILTER_TAGS) {
          yield part
          any = true
          part = { added: [], removed: [] }
        }
      }
      if (!any || part.added.length + part.removed.length > 0) yield part
    }
    if (!canDelta) {
      const outputs = this.outputs(type)
      return {
        keyId,
        since: null,
        seq: meta.seq,
        size: meta.size,
        parts: chunked((async function* () {
          for await (const o of outputs) yield { op: 'a' as const, output: o }
        })())
      }
    }
    // Net effect per output: present before the range iff its first change removes it, after iff its last adds it.
    const net = new Map<string, { first: 'a' | 'd', last: 'a' | 'd' }>()
    for await (const value of db.values({ gt: changeKey(type, have.seq), lte: changeKey(type, meta.seq) })) {
      const c = value as ChangeRecord
      const seen = net.get(c.o)
      if (seen === undefined) net.set(c.o, { first: c.op, last: c.op })
      else seen.last = c.op
    }
    const changes = async function* (): AsyncGenerator<{ op: 'a' | 'd', output: Uint8Array }> {
      for (const [o, { first, last }] of net) {
        if (first === 'a' && last === 'a') yield { op: 'a', output: hexBytes(o) }
        else if (first === 'd' && last === 'd') yield { op: 'd', output: hexBytes(o) }
      }
    }
    return { keyId, since: have.seq, seq: meta.seq, size: meta.size, parts: chunked(changes()) }
  }

  /** The local reference of a record, found by its output (follow-up), or undefined. */
  async lookupOutput (type: string, output: Uint8Array): Promise<{ canonical: string, ref: string } | undefined> {
    const canonical = await this.#db.get(`o!${type}!${Buffer.from(output).toString('hex')}`) as string | undefined
    if (canonical === undefined) return undefined
    const rec = await this.#db.get(`s!${type}!${canonical}`) as SelectorRecord | undefined
    return rec === undefined ? undefined : { canonical, ref: rec.ref }
  }

  /**
   * Rotates the OPRF key: a new epoch and seed, every record re-evaluated (on the worker pool
   * for a large index), the old outputs and seed deleted, in batches; the key record is written
   * last, so a crash midway leaves the old key in force and `rotateKey` is simply run again
   * (outputs of both epochs are rebuilt). The change logs restart: every filter under the old
   * key id is invalid, so every asker gets a full filter under the new one.
   */
  async rotateKey (build: BuildOptions = {}): Promise<{ epoch: number, records: number, keyId: string }> {
    const now = build.now ?? (() => new Date())
    const rec: KeyRecord = { epoch: this.#key.epoch + 1, seed: randomBytes(32).toString('hex'), created: now().toISOString() }
    const keys = deriveKeyPair(MODE.voprf, Buffer.from(rec.seed, 'hex'), KEY_INFO(rec.epoch))
    const dels: string[] = []
    for await (const key of this.#db.keys({ gt: 'o!', lt: 'o"' })) dels.push(key)
    for await (const key of this.#db.keys({ gt: 'c!', lt: 'c"' })) dels.push(key)
    for (let i = 0; i < dels.length; i += DEFAULT_INDEX_BATCH) {
      await this.#db.batch(dels.slice(i, i + DEFAULT_INDEX_BATCH).map((key) => ({ type: 'del' as const, key })))
    }
    const metas = new Map<string, TypeMeta>()
    for await (const [key, value] of this.#db.iterator({ gt: 'n!', lt: 'n"' })) metas.set(key.slice(2), value as TypeMeta)
    // Batches of one type each: canonical selectors, evaluated (not normalised) under the new key.
    const db = this.#db
    const batches = async function* (): AsyncGenerator<{ job: EvaluateJob, records: Array<[string, SelectorRecord]> }> {
      let records: Array<[string, SelectorRecord]> = []
      let type = ''
      const flush = (): { job: EvaluateJob, records: Array<[string, SelectorRecord]> } => {
        const out = { job: { type, values: records.map(([k]) => k.slice(3 + type.length)), normalise: false }, records }
        records = []
        return out
      }
      for await (const [key, value] of db.iterator({ gt: 's!', lt: 's"' })) {
        const t = key.slice(2, key.indexOf('!', 2))
        if (t !== type && records.length > 0) yield flush()
        type = t
        records.push([key, value as SelectorRecord])
        if (records.length >= DEFAULT_INDEX_BATCH) yield flush()
      }
      if (records.length > 0) yield flush()
    }
    let records = 0
    const previous = this.#key
    this.#key = { epoch: rec.epoch, keys, created: rec.created }
    try {
      await this.#build(batches(), build, async (batch, evaluated) => {
        const ops: Op[] = []
        batch.records.forEach(([key, value], j) => {
          const output = Buffer.from(evaluated.outputs.subarray(j * NH, (j + 1) * NH)).toString('hex')
          ops.push({ type: 'put', key, value: { ...value, output } }, { type: 'put', key: `o!${batch.job.type}!${output}`, value: batch.job.values[j] })
        })
        records += batch.records.length
        await this.#db.batch(ops)
      })
    } catch (err) {
      this.#key = previous
      throw err
    }
    const ops: Op[] = [...metas].map(([type, m]) => ({
      type: 'put' as const,
      key: `n!${type}`,
      value: { seq: m.seq, size: m.size, floor: m.seq + 1 } satisfies TypeMeta
    }))
    const old = { epoch: previous.epoch, publicKey: Buffer.from(previous.keys.publicKey).toString('base64'), created: previous.created, retired: rec.created }
    ops.push({ type: 'put', key: `kh!${oprfKeyId(previous.keys.publicKey)}`, value: old satisfies RetiredKey })
    ops.push({ type: 'put', key: 'key', value: rec })
    await this.#db.batch(ops, { sync: true })
    return { epoch: rec.epoch, records, keyId: oprfKeyId(keys.publicKey) }
  }

  /** The public part of a retired key of this index, by key id (PROTOCOL.md §19.9). */
  async retiredKey (keyId: string): Promise<RetiredKey | undefined> {
    if (!/^[0-9a-f]{32}$/.test(keyId)) return undefined
    return await this.#db.get(`kh!${keyId}`) as RetiredKey | undefined
  }

  async close (): Promise<void> {
    await this.#db.close()
  }
}
