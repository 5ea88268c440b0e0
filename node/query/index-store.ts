/**
 * The node's own reference data for hit/no-hit queries (PROTOCOL.md §19.3), in its own LevelDB
 * (`DATA_DIR/query-index`): per selector type, each canonical selector with the agency's local
 * reference (plaintext: this store is the one documented place on the answering side), and its
 * OPRF output under the current key epoch. Also the OPRF key: a 32-byte seed per epoch, from
 * which RFC 9497 DeriveKeyPair gives (skS, pkS). `rotateKey` starts a new epoch and re-evaluates
 * every record (the re-keyed index); the old seed is deleted.
 *
 * Keys: `key` → { epoch, seed, created }; `s!TYPE!CANONICAL` → { ref, added, output };
 * `o!TYPE!OUTPUT_HEX` → CANONICAL.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { Level } from 'level'
import { deriveKeyPair, MODE, type KeyPair } from '../../protocol/oprf/index.ts'
import { indexOutput, oprfKeyId } from '../../protocol/query/index.ts'
import { normaliseSelector, SelectorError, type NormaliseOptions } from '../../protocol/selectors/index.ts'

interface KeyRecord { epoch: number, seed: string, created: string }
interface SelectorRecord { ref: string, added: string, output: string }

/** One selector to add. */
export interface IndexEntry {
  readonly value: string
  readonly ref: string
  /** Where it came from, for error reports (e.g. a CSV line); never the value. */
  readonly origin?: string
}

/** The result of an add: counts, and per refused entry its origin and code (never the value). */
export interface AddResult {
  added: number
  updated: number
  refused: Array<{ origin: string, code: string, reason: string }>
}

/** Per-type counts. */
export type IndexStats = Record<string, number>

const KEY_INFO = (epoch: number): Uint8Array => new TextEncoder().encode(`liaison-query-oprf-epoch-${epoch}`)
const BATCH = 1000

/** The index. Open with `IndexStore.open(dir)`; one process at a time (LevelDB's lock). */
export class IndexStore {
  readonly #db: Level<string, unknown>
  #key: { epoch: number, keys: KeyPair, created: string }

  private constructor (db: Level<string, unknown>, key: { epoch: number, keys: KeyPair, created: string }) {
    this.#db = db
    this.#key = key
  }

  static async open (dir: string, now: () => Date = () => new Date()): Promise<IndexStore> {
    const db = new Level<string, unknown>(dir, { valueEncoding: 'json' })
    await db.open()
    let rec = await db.get('key') as KeyRecord | undefined
    if (rec === undefined) {
      rec = { epoch: 1, seed: randomBytes(32).toString('hex'), created: now().toISOString() }
      await db.put('key', rec, { sync: true })
    }
    return new IndexStore(db, { epoch: rec.epoch, keys: deriveKeyPair(MODE.voprf, Buffer.from(rec.seed, 'hex'), KEY_INFO(rec.epoch)), created: rec.created })
  }

  /** The current OPRF key pair (the secret key never leaves the node). */
  get keys (): KeyPair { return this.#key.keys }
  /** The published part: epoch, public key (base64), key id, since when. */
  publicKey (): { epoch: number, publicKey: string, keyId: string, created: string } {
    return { epoch: this.#key.epoch, publicKey: Buffer.from(this.#key.keys.publicKey).toString('base64'), keyId: oprfKeyId(this.#key.keys.publicKey), created: this.#key.created }
  }

  /** Adds or updates selectors of one type; refused values are reported by origin and code. */
  async add (type: string, entries: readonly IndexEntry[], options?: NormaliseOptions, now: () => Date = () => new Date()): Promise<AddResult> {
    const result: AddResult = { added: 0, updated: 0, refused: [] }
    for (let i = 0; i < entries.length; i += BATCH) {
      const ops: Array<{ type: 'put', key: string, value: unknown }> = []
      const slice = entries.slice(i, i + BATCH)
      const normalised: Array<{ canonical: string, ref: string }> = []
      slice.forEach((e, j) => {
        const origin = e.origin ?? `entry ${i + j + 1}`
        try {
          const canonical = normaliseSelector(type, e.value, options)
          if (e.ref.length === 0 || e.ref.length > 256) throw new SelectorError(type, 'the local reference must be 1–256 characters')
          normalised.push({ canonical, ref: e.ref })
        } catch (err) {
          if (!(err instanceof SelectorError)) throw err
          result.refused.push({ origin, code: err.code, reason: err.message })
        }
      })
      const existing = await this.#db.getMany(normalised.map((n) => `s!${type}!${n.canonical}`))
      const added = now().toISOString()
      normalised.forEach((n, j) => {
        const output = Buffer.from(indexOutput(this.#key.keys, type, n.canonical)).toString('hex')
        if (existing[j] === undefined) result.added++
        else result.updated++
        ops.push({ type: 'put', key: `s!${type}!${n.canonical}`, value: { ref: n.ref, added, output } satisfies SelectorRecord })
        ops.push({ type: 'put', key: `o!${type}!${output}`, value: n.canonical })
      })
      if (ops.length > 0) await this.#db.batch(ops, { sync: true })
    }
    return result
  }

  /** Removes one selector; false if it was not indexed. */
  async remove (type: string, value: string, options?: NormaliseOptions): Promise<boolean> {
    const canonical = normaliseSelector(type, value, options)
    const rec = await this.#db.get(`s!${type}!${canonical}`) as SelectorRecord | undefined
    if (rec === undefined) return false
    await this.#db.batch([{ type: 'del', key: `s!${type}!${canonical}` }, { type: 'del', key: `o!${type}!${rec.output}` }], { sync: true })
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
  async * outputs (type: string): AsyncGenerator<Uint8Array> {
    for await (const key of this.#db.keys({ gt: `o!${type}!`, lt: `o!${type}"` })) yield Uint8Array.from(Buffer.from(key.slice(3 + type.length), 'hex'))
  }

  /** The local reference of a record, found by its output (follow-up), or undefined. */
  async lookupOutput (type: string, output: Uint8Array): Promise<{ canonical: string, ref: string } | undefined> {
    const canonical = await this.#db.get(`o!${type}!${Buffer.from(output).toString('hex')}`) as string | undefined
    if (canonical === undefined) return undefined
    const rec = await this.#db.get(`s!${type}!${canonical}`) as SelectorRecord | undefined
    return rec === undefined ? undefined : { canonical, ref: rec.ref }
  }

  /**
   * Rotates the OPRF key: a new epoch and seed, every record re-evaluated, the old outputs and
   * seed deleted, in batches; the key record is written last, so a crash midway leaves the old
   * key in force and `rotateKey` is simply run again (outputs of both epochs are rebuilt).
   */
  async rotateKey (now: () => Date = () => new Date()): Promise<{ epoch: number, records: number }> {
    const rec: KeyRecord = { epoch: this.#key.epoch + 1, seed: randomBytes(32).toString('hex'), created: now().toISOString() }
    const keys = deriveKeyPair(MODE.voprf, Buffer.from(rec.seed, 'hex'), KEY_INFO(rec.epoch))
    const dels: string[] = []
    for await (const key of this.#db.keys({ gt: 'o!', lt: 'o"' })) dels.push(key)
    for (let i = 0; i < dels.length; i += BATCH) await this.#db.batch(dels.slice(i, i + BATCH).map((key) => ({ type: 'del' as const, key })))
    let records = 0
    let ops: Array<{ type: 'put', key: string, value: unknown }> = []
    for await (const [key, value] of this.#db.iterator({ gt: 's!', lt: 's"' })) {
      const type = key.slice(2, key.indexOf('!', 2))
      const canonical = key.slice(3 + type.length)
      const output = Buffer.from(indexOutput(keys, type, canonical)).toString('hex')
      ops.push({ type: 'put', key, value: { ...(value as SelectorRecord), output } }, { type: 'put', key: `o!${type}!${output}`, value: canonical })
      records++
      if (ops.length >= 2 * BATCH) { await this.#db.batch(ops); ops = [] }
    }
    ops.push({ type: 'put', key: 'key', value: rec })
    await this.#db.batch(ops, { sync: true })
    this.#key = { epoch: rec.epoch, keys, created: rec.created }
    return { epoch: rec.epoch, records }
  }

  async close (): Promise<void> {
    await this.#db.close()
  }
}
