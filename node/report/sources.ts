/**
 * Where a report reads its entries: a node's LevelDB (the running node's own store, or a
 * private snapshot of a stopped node's data directory) or a full audit bundle. Either way the
 * source names a signed checkpoint, and yields exactly the entries 0 … size-1 it covers, in
 * order, streamed (never the whole log in memory).
 *
 * @module
 */
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { AbstractLevel } from 'abstract-level'
import { AuditStore, SEP, pad } from '../audit/audit-store.ts'
import { openNodeCheckpoint } from '../audit/checkpoints.ts'
import type { BundleManifest } from '../audit/bundle/layout.ts'
import { openStoreSnapshot } from '../audit/snapshot.ts'
import { NodeError } from '../errors.ts'
import { emptyRoot } from '../../protocol/merkle.ts'
import { checkpointOrigin } from '../../protocol/checkpoint.ts'
import type { ReportCheckpoint } from './types.ts'

export interface EntrySource {
  /** The node whose log it is. */
  node: string
  checkpoint: ReportCheckpoint
  /** Whether a checkpoint signed by the node vouches for (size, root) (false only for an empty log). */
  signed: boolean
  /** The entries 0 … checkpoint.size-1, each exactly as sealed, in batches (one await per batch, not per entry). */
  entries: () => AsyncIterable<Uint8Array[]>
  /**
   * The same entries decoded as UTF-8 text, for a reader that needs no bytes (a report not
   * hashing its leaves): LevelDB hands out strings about three times cheaper than buffers.
   */
  texts: () => AsyncIterable<string[]>
  close: () => Promise<void>
}

// One AuditStore per database: each registers a listener on it (a running node serves many reports).
const STORES = new WeakMap<object, AuditStore>()

/**
 * Entries read per batch, and the bytes LevelDB may gather for one (entries are about 500 bytes:
 * 1 MB lets a batch fill; the default 16 KB ends each after about 35 entries, one thread-pool
 * round trip each).
 */
const BATCH = 1024
const BATCH_BYTES = 1024 * 1024

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/**
 * The entries of a LevelDB store up to its latest checkpoint, or up to the stored checkpoint of
 * exactly `atSize` (what `report verify` needs: a report names the checkpoint it was computed
 * from, and the log has grown since).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function levelSource (db: AbstractLevel<any, string, any>, close: () => Promise<void> = async () => {}, atSize?: number): Promise<EntrySource> {
  let audit = STORES.get(db)
  if (audit == null) {
    audit = new AuditStore(db)
    STORES.set(db, audit)
  }
  if (audit.entry.status !== 'open') await audit.entry.open()
  if (audit.cp.status !== 'open') await audit.cp.open()
  if (audit.meta.status !== 'open') await audit.meta.open()
  const keys = (await audit.nodeKeys()).map(k => k.peerId)
  const latest = await audit.checkpoint(atSize === 0 ? undefined : atSize)
  if (latest == null && atSize != null && atSize > 0) {
    throw new NodeError(
      'NOT_FOUND',
      `the store holds no checkpoint of tree size ${atSize} (the one the report names); verify it against the audit bundle exported with it`
    )
  }
  if (latest == null || atSize === 0) {
    const node = keys.at(-1)
    if (node == null) throw new NodeError('NOT_FOUND', 'the store holds no audit checkpoint yet; run liaison audit checkpoint')
    return {
      node,
      checkpoint: { origin: checkpointOrigin(node), size: 0, root: hex(emptyRoot()) },
      signed: false,
      entries: async function* () {},
      texts: async function* () {},
      close
    }
  }
  const opened = openNodeCheckpoint(latest.note, keys)
  const size = opened.checkpoint.size
  return {
    node: keys.at(-1) ?? opened.signer,
    checkpoint: { origin: opened.checkpoint.origin, size, root: hex(opened.checkpoint.root) },
    signed: true,
    // Straight from the root database over the sublevel's key range: about 40 % less per entry
    // than through the sublevel (1 M entries).
    entries: () => rangeValues<Uint8Array>(db, size, 'view'),
    texts: () => rangeValues<string>(db, size, 'utf8'),
    close
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function* rangeValues<T> (db: AbstractLevel<any, string, any>, size: number, valueEncoding: 'view' | 'utf8'): AsyncGenerator<T[]> {
  if (size === 0) return
  const prefix = `${SEP}audit-entry${SEP}`
  const it = db.values({ gte: prefix, lt: prefix + pad(size), valueEncoding, highWaterMarkBytes: BATCH_BYTES } as never)
  try {
    // LevelDB reads the next batch while this one is counted.
    let next = it.nextv(BATCH) as Promise<T[]>
    while (true) {
      const batch = await next
      if (batch.length === 0) break
      next = it.nextv(BATCH) as Promise<T[]>
      yield batch
    }
  } finally {
    await it.close()
  }
}

/** A stopped node's data directory, read through a private snapshot (the directory is never written); `atSize` as for levelSource. */
export async function dataDirSource (dataDir: string, atSize?: number): Promise<EntrySource> {
  const snap = await openStoreSnapshot(dataDir)
  try {
    return await levelSource(snap.db, snap.close, atSize)
  } catch (err) {
    await snap.close()
    throw err
  }
}

/** A full audit bundle (`liaison audit export` without --since/--peer): its entries.jsonl up to `size` (default its checkpoint). */
export async function bundleSource (dir: string, size?: number): Promise<EntrySource> {
  let manifest: BundleManifest
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BundleManifest
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', `${dir} is not an audit bundle: ${(err as Error).message}`, { cause: err })
  }
  if (manifest.full !== true) {
    throw new NodeError('BAD_ARGUMENT', `${dir} is a filtered bundle (--since/--peer); a report needs the whole log: export without filters`)
  }
  const cpSize = manifest.checkpoint.size
  const want = size ?? cpSize
  if (want > manifest.counts.entries) throw new NodeError('REPORT_MISMATCH', `the report covers ${want} entries; the bundle holds ${manifest.counts.entries}`)
  let root = Buffer.from(manifest.checkpoint.root, 'base64').toString('hex')
  let signed = true
  if (want !== cpSize) {
    try {
      const note = await readFile(join(dir, 'checkpoints', String(want), 'note.txt'), 'utf8')
      root = hex(openNodeCheckpoint(note, manifest.nodeKeys).checkpoint.root)
    } catch {
      signed = false
      root = ''
    }
  }
  return {
    node: manifest.node,
    checkpoint: { origin: checkpointOrigin(manifest.node), size: want, root },
    signed,
    entries: async function* () {
      for await (const batch of bundleLines(join(dir, 'audit', 'entries.jsonl'), want)) yield batch.map(line => Buffer.from(line, 'utf8'))
    },
    texts: () => bundleLines(join(dir, 'audit', 'entries.jsonl'), want),
    close: async () => {}
  }
}

/** The first `want` lines of an entries.jsonl, in batches. */
async function* bundleLines (file: string, want: number): AsyncGenerator<string[]> {
  if (want === 0) return
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  let n = 0
  let batch: string[] = []
  try {
    for await (const line of lines) {
      batch.push(line)
      if (++n >= want) break
      if (batch.length === BATCH) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
  } finally {
    lines.close()
  }
}
