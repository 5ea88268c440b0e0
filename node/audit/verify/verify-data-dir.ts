/**
 * `verifyDataDir`: the offline audit of a stopped node's data directory (or a copy of it). Needs
 * no private key: the node's keys are its peer IDs, recorded in the log and in every checkpoint.
 *
 * The store is read through the interface the node writes through — `Store` and `AuditStore`
 * over LevelDB, opened read-only on a private snapshot (snapshot.ts) — in large batches; the
 * verifier never touches LevelDB's files. (Their checksums are `liaison store fsck`'s: an
 * operator's check for a failing disk, not tamper evidence — whoever rewrites a value recomputes
 * its checksum.)
 *
 * Checkpoints first (each note signed by a node key); then, concurrently, the entries
 * (log-pass.ts) and the store, whose envelopes the workers check with the one strict decoder
 * (store-pass.ts); then the join (judge.ts), checkpoint consistency and, with `thorough`, the
 * stored tree nodes, witness cosignatures and derived indexes. A store LevelDB refuses to open
 * or fails to read is reported as a storage failure.
 *
 * @example
 * ```ts
 * const report = await verifyDataDir('/var/lib/liaison', { workers: 8, onProgress: p => … })
 * if (!report.ok) for (const f of report.failures) console.error(f.check, f.where, f.detail)
 * ```
 *
 * @module
 */
import { availableParallelism } from 'node:os'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fastVerifierName } from '../../../protocol/ed25519-fast.ts'
import { dataDirPaths } from '../../config/data-dir.ts'
import { Store } from '../../store/index.ts'
import { AuditStore } from '../audit-store.ts'
import { nodeNoteKeys, openNodeCheckpoint } from '../checkpoints.ts'
import { assertNodeStopped, assertStoreExists, snapshotStore } from '../snapshot.ts'
import type { CheckedCheckpoint, VerifyContext } from './context.ts'
import { consistencyPass, entryPass, treePass } from './log-pass.ts'
import { indexPass, judgeRecords } from './judge.ts'
import { RecordTable, SetFingerprint } from './record-table.ts'
import { emptyReport, Failures } from './report.ts'
import type { VerifyProgress, VerifyReport } from './report.ts'
import { storePass } from './store-pass.ts'
import { WorkerPool } from './worker-pool.ts'
import { checkWitnessCosignatures, witnessNote } from './witness-check.ts'

export interface VerifyOptions {
  /** Worker threads (default: all cores). */
  workers?: number
  onProgress?: (progress: VerifyProgress) => void
  /** Require this peer ID to be the node's (current) key. */
  expectNode?: string
  /** Also check what the node derives from the log: stored tree nodes (what `prove` uses), the digest and expiry indexes. */
  thorough?: boolean
  /** Verify signatures with libsodium where it loads (default; same verdicts, protocol/ed25519-fast.ts), or node:crypto alone (false). */
  libsodium?: boolean
}

/** Verify the store of a data directory; see the module header. Never throws for bad data. */
export async function verifyDataDir (dataDir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now()
  const cpu0 = process.cpuUsage()
  const main0 = process.threadCpuUsage()
  const paths = dataDirPaths(dataDir)
  const report = emptyReport(paths.root)
  const failures = new Failures()
  await assertNodeStopped(paths.root)
  await assertStoreExists(paths.store)
  const libsodium = options.libsodium ?? true
  report.verifier = fastVerifierName(libsodium)
  const pool = new WorkerPool(options.workers ?? availableParallelism(), { libsodium })
  report.timing.workers = pool.size
  const progress = (phase: VerifyProgress['phase'], done: number, total: number): void => options.onProgress?.({ phase, done, total })
  const snapshot = await snapshotStore(paths.store).catch(async (err: unknown) => {
    await pool.close()
    throw err
  })
  try {
    const files = await readdir(snapshot.dir)
    for (const name of files) report.files.bytes += (await stat(join(snapshot.dir, name))).size
    report.files.checked = files.length
    progress('files', files.length, files.length)
    const store = await Store.open(snapshot.dir, { reader: true }).catch((err: unknown) => {
      failures.add('storage', paths.store, `LevelDB refused to open the store: ${describe(err)}`)
    })
    if (store != null) {
      await verifyStore(store, pool, failures, report, progress, options)
        .catch((err: unknown) => failures.add('storage', paths.store, `LevelDB failed while reading the store: ${describe(err)}`))
        .finally(async () => await store.close())
    }
    if (pool.verifiers.size > 0) report.verifier = [...pool.verifiers].join('; ')
    const [cpu, main] = [process.cpuUsage(cpu0), process.threadCpuUsage(main0)]
    report.timing.cpuMs = { total: (cpu.user + cpu.system) / 1000, main: (main.user + main.system) / 1000, workers: pool.cpuMs }
  } finally {
    await Promise.all([snapshot.dispose(), pool.close()])
  }
  report.failures = failures.list
  report.failureCount = failures.count
  report.ok = failures.count === 0
  report.timing.ms = performance.now() - started
  report.timing.envelopesPerSecond = report.envelopes / (report.timing.ms / 1000)
  return report
}

function describe (err: unknown): string {
  const e = err as { message?: string, cause?: { message?: string } }
  return [e.message, e.cause?.message].filter(m => m != null && m !== '').join(': ')
}

async function verifyStore (
  store: Store,
  pool: WorkerPool,
  failures: Failures,
  report: VerifyReport,
  progress: VerifyContext['progress'],
  options: VerifyOptions
): Promise<void> {
  const audit = new AuditStore(store.db)
  const nodeKeys = (await audit.nodeKeys()).map(k => k.peerId)
  const thorough = options.thorough === true
  report.nodeKeys = nodeKeys
  report.node = nodeKeys.at(-1) ?? null
  if (nodeKeys.length === 0) failures.add('checkpoint', 'audit-meta', 'the log records no node key (was an audit log ever opened on this store?)')
  if (options.expectNode != null && report.node !== options.expectNode) {
    failures.add('node', 'audit-meta', `the node key is ${report.node ?? 'unknown'}, not the expected ${options.expectNode}`, 'NODE_MISMATCH')
  }
  const checkpoints = await readCheckpoints(audit, nodeKeys, failures, thorough ? report : undefined)
  const size = await audit.size()
  const ctx: VerifyContext = {
    store,
    audit,
    pool,
    // About one record per message and per receipt: at most one per entry.
    table: new RecordTable(2 ** Math.ceil(Math.log2(Math.max(size, 1 << 16)))),
    failures,
    nodeKeys,
    checkpoints,
    progress,
    counts: { entries: 0, leaves: 0, metas: 0, envelopes: 0, receipts: 0, envelopesVerified: 0, receiptsVerified: 0 },
    thorough,
    refs: new SetFingerprint(),
    tree: { size: 0, root: null }
  }
  await Promise.all([entryPass(ctx, size).then(async leaves => thorough ? await treePass(ctx, leaves) : undefined), storePass(ctx)])
  await Promise.all([consistencyPass(ctx), ...(thorough ? [indexPass(ctx)] : [])])
  if (!thorough) report.notes.push('stored tree nodes, derived indexes and witness cosignatures were not checked (run with --thorough to check them too)')
  const judged = judgeRecords(ctx)
  const latest = checkpoints.at(-1)
  const uncheckpointed = Math.max(0, ctx.tree.size - (latest?.size ?? 0))
  report.tree = { size: ctx.tree.size, root: ctx.tree.root === null ? null : Buffer.from(ctx.tree.root).toString('base64') }
  report.checkpoints = { count: checkpoints.length, latest: latest === undefined ? null : { size: latest.size, time: latest.time }, uncheckpointed }
  if (uncheckpointed > 0) {
    report.notes.push(`${uncheckpointed} entries are newer than the latest checkpoint (a running node signs one every interval and on stop)`)
  }
  if (judged.repeated > 0) report.notes.push(`${judged.repeated} messages or receipts were logged more than once (the stored bytes match the latest leaf)`)
  report.entries = ctx.counts.entries
  report.messages = { stored: ctx.counts.metas, verified: ctx.counts.envelopesVerified, purged: judged.purged }
  report.receipts = { stored: ctx.counts.receipts, verified: ctx.counts.receiptsVerified }
  report.envelopes = ctx.counts.envelopes + ctx.counts.receipts
}

/** The signed checkpoints; with `witnesses` (thorough), every witness cosignature on them too, noted in that report. */
async function readCheckpoints (audit: AuditStore, nodeKeys: string[], failures: Failures, witnesses?: VerifyReport): Promise<CheckedCheckpoint[]> {
  const out: CheckedCheckpoint[] = []
  const keys = nodeNoteKeys(nodeKeys)
  const seen = new Set<string>()
  let cosignatures = 0
  for await (const [key, note] of audit.cp.iterator()) {
    const where = `checkpoint ${Number(key)}`
    if (witnesses !== undefined) {
      const check = checkWitnessCosignatures(note, nodeKeys)
      for (const f of check.failed) failures.add('checkpoint', where, `witness ${f.witness}: ${f.problem}`)
      for (const w of check.verified) seen.add(w)
      cosignatures += check.verified.length
    }
    try {
      const opened = openNodeCheckpoint(note, nodeKeys, keys)
      if (opened.checkpoint.size === Number(key)) out.push({ size: opened.checkpoint.size, root: opened.checkpoint.root, time: opened.time })
      else failures.add('checkpoint', `checkpoint ${key}`, `is stored under size ${Number(key)} but signs size ${opened.checkpoint.size}`)
    } catch (err) {
      failures.add('checkpoint', where, `does not verify: ${(err as Error).message}`)
    }
  }
  witnesses?.notes.push(witnessNote(cosignatures, seen, out.length))
  return out
}
