/**
 * Item 4 — audit verify: envelopes per second that `verifyDataDir` (node/audit) checks in a
 * stopped node's data directory, against the ceiling of raw OpenSSL Ed25519 verifications per
 * second on one core (measured in the same run, just before) × the machine's cores. And for
 * item 5: verification time and inclusion proofs (proofs.ts) at growing log sizes.
 *
 * `audit verify` checks signatures with libsodium (protocol/ed25519-fast.ts), which is faster than
 * OpenSSL here; so the same runs are also set against raw libsodium verifications per second ×
 * cores (`audit.verify.libsodium`, informational): how close the whole check comes to the
 * primitive it actually uses.
 *
 * Measurements are taken on the pre-filled stores of growth.ts at each size, before any node
 * has touched them. The verifier is looked up at run time (any node/audit module exporting
 * `verifyDataDir`), so the figure reads `value: null, met: false` while it does not exist.
 *
 * @module
 */
import { execFile } from 'node:child_process'
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { fastVerifierName, sodiumVerify } from '../../protocol/ed25519-fast.ts'
import { IntegrityError, type BenchContext, type ItemResult } from './context.ts'
import { makeFigure, unavailableFigure, type Figure, type FigureInput } from './figures.ts'
import { auditLogProofs, memoryProofs, type ProofStats } from './proofs.ts'
import type { PrefilledDir } from './growth.ts'
import { lines, type ChartSpec } from './charts.ts'
import { median } from './stats.ts'
import { summariseProfile, type CpuProfile } from './profile-summary.ts'
import { PROJECT_ROOT, type ProfileSet } from './profile.ts'

const VERIFY_CHILD = fileURLToPath(new URL('./verify-child.ts', import.meta.url))
const AUDIT_GOAL_RATIO = 0.8

/** What the benchmark reads of verifyDataDir's report. */
interface VerifyReportView {
  ok: boolean
  envelopes: number
  failures?: unknown[]
}

type VerifyDataDir = (dir: string, opts: { workers?: number }) => Promise<VerifyReportView>

/** The audit verifier if some node/audit module exports it, with that module's path (or why it does not load). */
export type LoadedVerifier = { verify: VerifyDataDir, file: string, path: string } | { error: string }

export async function loadAuditVerifier (): Promise<LoadedVerifier | undefined> {
  const dir = new URL('../../node/audit/', import.meta.url)
  let files: string[]
  try {
    files = (await readdir(dir, { recursive: true })).filter(f => f.endsWith('.ts'))
  } catch {
    return undefined
  }
  for (const file of files.sort()) {
    const url = new URL(file, dir)
    if (!/export\s+(async\s+)?function\s+verifyDataDir\b|export\s+const\s+verifyDataDir\b/.test(await readFile(url, 'utf8'))) continue
    let mod: { verifyDataDir?: VerifyDataDir }
    try {
      mod = await import(url.href) as { verifyDataDir?: VerifyDataDir }
    } catch (err) {
      // Work in progress elsewhere in the tree: report the figure as unavailable, say why.
      return { error: `node/audit/${file} does not load: ${(err as Error).message.split('\n')[0]}` }
    }
    if (typeof mod.verifyDataDir === 'function') return { verify: mod.verifyDataDir, file: `node/audit/${file}`, path: fileURLToPath(url) }
  }
  return undefined
}

/**
 * Single-core raw Ed25519 verifications per second of a 1 KiB message: OpenSSL (node:crypto,
 * the default) or libsodium (sodium-native, through `sodiumVerify`).
 */
export function rawVerifyRate (seconds: number, library: 'openssl' | 'libsodium' = 'openssl'): number {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const message = new Uint8Array(1024).fill(0x61)
  const sig = sign(null, message, privateKey)
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32))
  const check = library === 'openssl'
    ? () => verify(null, message, publicKey, sig)
    : () => sodiumVerify(raw, message, sig)
  for (let i = 0; i < 200; i++) check()
  let ops = 0
  const start = performance.now()
  const until = start + seconds * 1000
  let now = start
  while (now < until) {
    for (let i = 0; i < 50; i++) if (!check()) throw new Error(`raw ${library} verify failed`)
    ops += 50
    now = performance.now()
  }
  return ops / ((now - start) / 1000)
}

interface VerifyRun {
  messages: number
  seconds: number
  envelopes: number
  rate: number
}

const fmt = (n: number): string => n >= 1_000_000 ? `${n / 1_000_000} M` : `${n / 1000} k`

export class AuditBench {
  private readonly ctx: BenchContext
  private verifier: { verify: VerifyDataDir, file: string, path: string } | undefined
  /** CPU profile of one extra verification, taken when the verify rate misses its goal. */
  profile: ProfileSet | undefined
  private readonly rateRuns: VerifyRun[] = []
  private readonly ceilings: number[] = []
  private readonly sodiumCeilings: number[] = []
  private rateDir: PrefilledDir | undefined
  private readonly series: VerifyRun[] = []
  private readonly proofs: Array<{ leveldb: ProofStats, memory: ProofStats }> = []
  private lastReport: unknown

  constructor (ctx: BenchContext) {
    this.ctx = ctx
  }

  /** Why the verifier is not available, when it is not. */
  private unavailable = 'audit verify not available'

  async init (): Promise<void> {
    const loaded = await loadAuditVerifier()
    if (loaded != null && 'error' in loaded) this.unavailable = `audit verify not available: ${loaded.error}`
    else this.verifier = loaded
    this.ctx.log(this.verifier == null ? `  ${this.unavailable}` : `  audit verifier: ${this.verifier.file}`)
  }

  /** Run the verifier once; a report saying the (valid, pre-filled) store fails stops the run. */
  private async verifyOnce (d: PrefilledDir): Promise<VerifyRun> {
    const verifier = this.verifier as { verify: VerifyDataDir }
    const t = performance.now()
    const report = await verifier.verify(d.dir, { workers: this.ctx.cores })
    const seconds = (performance.now() - t) / 1000
    if (report.ok !== true) {
      throw new IntegrityError(
        `audit verify fails on the pre-filled store of ${fmt(d.messages)} messages: ${JSON.stringify(report.failures ?? report).slice(0, 800)}`
      )
    }
    if (!(report.envelopes >= 2 * d.messages)) {
      throw new IntegrityError(`audit verify checked ${report.envelopes} envelopes in a store of ${d.messages} messages with their receipts`)
    }
    this.lastReport = report
    return { messages: d.messages, seconds, envelopes: report.envelopes, rate: report.envelopes / seconds }
  }

  /** One more verification in a child process under --cpu-prof: main thread and every worker. */
  private async profileVerify (d: PrefilledDir): Promise<ProfileSet> {
    const { ctx } = this
    const dir = join(ctx.scratch, 'profiles', 'audit-verify')
    await mkdir(dir, { recursive: true })
    const verifier = this.verifier as { path: string }
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      VERIFY_CHILD,
      verifier.path,
      d.dir,
      String(ctx.cores)
    ], { maxBuffer: 1 << 20 })
    const result = JSON.parse(stdout) as { ok: boolean, envelopes: number, ms: number, failures: unknown[] }
    if (!result.ok) {
      throw new IntegrityError(
        `audit verify fails on the pre-filled store of ${fmt(d.messages)} messages (profiled run): ${JSON.stringify(result.failures).slice(0, 800)}`
      )
    }
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread.
    const files = (await readdir(dir)).filter(f => f.endsWith('.cpuprofile'))
    const thread = (f: string): number => Number(f.split('.')[4])
    files.sort((a, b) => thread(a) - thread(b))
    const threads: ProfileSet['threads'] = []
    for (const f of files) {
      const summary = summariseProfile(JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile, PROJECT_ROOT, 12)
      threads.push({ who: thread(f) === 0 ? 'Main thread' : `Worker thread ${thread(f)}`, summary })
    }
    ctx.log(`  profiled audit verify: ${Math.round(result.envelopes / (result.ms / 1000))} envelopes/s under the profiler, ${threads.length} threads`)
    return {
      id: 'audit',
      title: 'Audit verify',
      description: `One extra verification of the ${
        fmt(d.messages)
      }-message store with ${ctx.cores} workers, in a child process under \`node --cpu-prof\` (main thread and every worker thread; ${
        Math.round(result.envelopes / (result.ms / 1000)).toLocaleString('en-US')
      } envelopes/s under the profiler, not a figure).`,
      threads
    }
  }

  /** Measurements at one pre-filled size: verify-rate runs (mid), the size series, proofs. */
  async measure (d: PrefilledDir): Promise<void> {
    const { ctx } = this
    const inSeries = !(ctx.quick && d.role === 'big')
    if (this.verifier != null && d.role === 'mid') {
      this.rateDir = d
      const runs = ctx.quick ? 1 : 3
      for (let r = 0; r < runs; r++) {
        this.ceilings.push(rawVerifyRate(ctx.quick ? 0.5 : 1) * ctx.cores)
        this.sodiumCeilings.push(rawVerifyRate(ctx.quick ? 0.5 : 1, 'libsodium') * ctx.cores)
        this.rateRuns.push(await this.verifyOnce(d))
        ctx.log(
          `  audit verify run ${r + 1}/${runs} at ${fmt(d.messages)} messages: ${Math.round(this.rateRuns[r].rate)} envelopes/s (ceiling ${
            Math.round(this.ceilings[r])
          })`
        )
      }
      if (median(this.rateRuns.map(x => x.rate)) / median(this.ceilings) < AUDIT_GOAL_RATIO) this.profile = await this.profileVerify(d)
    }
    if (!inSeries) return
    if (this.verifier != null) {
      const run = d.role === 'mid' ? this.rateRuns[0] : await this.verifyOnce(d)
      this.series.push(run)
      ctx.log(`  audit verify at ${fmt(d.messages)} messages: ${run.seconds.toFixed(1)} s, ${run.envelopes} envelopes`)
    }
    const count = ctx.quick ? 200 : 1000
    const leveldb = await auditLogProofs(d.dir, count)
    const memory = await memoryProofs(leveldb.size, count)
    this.proofs.push({ leveldb, memory })
    ctx.log(
      `  proofs at ${leveldb.size} entries: ${leveldb.meanHashes.toFixed(1)} hashes (max ${leveldb.maxHashes}, bound ${leveldb.bound}), ${
        leveldb.meanUs.toFixed(0)
      } µs from LevelDB, ${memory.meanUs.toFixed(1)} µs in memory`
    )
  }

  /** Item 4's figure, and item 5's audit and proof figures. */
  results (): { item: ItemResult, growth: ItemResult } {
    const { ctx } = this
    const base: Omit<FigureInput, 'samples'> = {
      id: 'audit.verify',
      name: 'Audit verify',
      measured:
        `verifyDataDir with ${ctx.cores} workers over a stopped node's data directory holding ${
          this.rateDir == null ? '' : fmt(this.rateDir.messages) + ' '
        }received messages with their receipts and audit entries ` +
        '(read through the store, every envelope and receipt decoded and its signature checked, the Merkle tree and checkpoint): envelopes checked per second',
      unit: 'envelopes/s',
      ceilingName: `raw OpenSSL Ed25519 verify/s on one core × ${ctx.cores} cores, measured before each run`,
      goal: { op: '>=', ratio: AUDIT_GOAL_RATIO },
      note: `signatures checked by ${fastVerifierName()}; audit.verify.libsodium sets the same runs against raw libsodium`
    }
    const item: Figure = this.rateRuns.length === 0
      ? unavailableFigure({ ...base, note: this.unavailable })
      : makeFigure({ ...base, samples: this.rateRuns.map(x => x.rate), ceilingSamples: this.ceilings })
    const auditFigures: Figure[] = [item]
    if (this.rateRuns.length > 0) {
      auditFigures.push(makeFigure({
        id: 'audit.verify.libsodium',
        name: 'Audit verify vs the libsodium it verifies with',
        measured: 'the runs of audit.verify, against the verification primitive audit verify actually uses',
        unit: 'envelopes/s',
        samples: this.rateRuns.map(x => x.rate),
        ceilingSamples: this.sodiumCeilings,
        ceilingName: `raw libsodium Ed25519 verify/s on one core × ${ctx.cores} cores, measured before each run`,
        note: 'informational: the share of the run spent outside signature verification (reading, decoding, hashing, the tree) shows here'
      }))
    }
    const figures: Figure[] = []
    const charts: ChartSpec[] = []
    if (this.series.length >= 2) {
      const first = this.series[0]
      const last = this.series[this.series.length - 1]
      figures.push(makeFigure({
        id: 'growth.audit',
        name: `Audit verify time per envelope, ${fmt(last.messages)} vs ${fmt(first.messages)} messages`,
        measured: `verifyDataDir wall time / envelopes checked, at ${fmt(last.messages)} messages (value) and at ${
          fmt(first.messages)
        } (ceiling); near 1 means linear cost`,
        unit: 'µs/envelope',
        samples: [(last.seconds * 1e6) / last.envelopes],
        ceilingSamples: [(first.seconds * 1e6) / first.envelopes],
        ceilingName: `time per envelope at ${fmt(first.messages)} messages`
      }))
      charts.push({
        file: 'growth-audit.svg',
        title: 'Audit verify time vs log size',
        spec: lines({
          title: 'Audit verify time vs messages stored',
          xTitle: 'messages (log scale)',
          yTitle: 'seconds (log scale)',
          logX: true,
          logY: true,
          rows: this.series.map(s => ({ x: s.messages, series: 'verifyDataDir', y: s.seconds }))
        })
      })
    } else if (this.verifier == null) {
      figures.push(
        unavailableFigure({
          id: 'growth.audit',
          name: 'Audit verify time per envelope vs log size',
          measured: 'verifyDataDir wall time / envelopes checked',
          unit: 'µs/envelope',
          note: this.unavailable
        })
      )
    }
    if (this.proofs.length > 0) {
      const smallest = this.proofs[0].leveldb
      const largest = this.proofs[this.proofs.length - 1].leveldb
      figures.push(makeFigure({
        id: 'growth.proof.size',
        name: `Inclusion proof length at ${largest.size.toLocaleString('en-US')} audit entries`,
        measured: `${largest.proofs} inclusion proofs of random entries of the real audit log (LevelDB), each verified against the root; value is the longest`,
        unit: 'hashes',
        samples: [largest.maxHashes],
        goal: { op: '<=', value: largest.bound },
        note: `bound = ceil(log2 n) = ${largest.bound}, i.e. O(log n)`
      }))
      figures.push(makeFigure({
        id: 'growth.proof.time',
        name: `Inclusion proof time, ${largest.size.toLocaleString('en-US')} vs ${smallest.size.toLocaleString('en-US')} audit entries`,
        measured:
          `mean time to build one inclusion proof from the audit log in LevelDB (random entries), at ${largest.size} entries (value) and ${smallest.size} ` +
          `(ceiling)`,
        unit: 'µs',
        samples: [largest.meanUs],
        ceilingSamples: [smallest.meanUs],
        ceilingName: `proof time at ${smallest.size.toLocaleString('en-US')} entries`
      }))
      charts.push({
        file: 'growth-proofs.svg',
        title: 'Inclusion proof length vs log size',
        spec: lines({
          title: 'Inclusion proof length vs audit log size',
          xTitle: 'audit entries (log scale)',
          yTitle: 'hashes per proof',
          logX: true,
          rows: this.proofs.flatMap(p => [
            { x: p.leveldb.size, series: 'mean', y: p.leveldb.meanHashes },
            { x: p.leveldb.size, series: 'max', y: p.leveldb.maxHashes },
            { x: p.leveldb.size, series: 'ceil(log2 n)', y: p.leveldb.bound }
          ])
        })
      }, {
        file: 'growth-proof-time.svg',
        title: 'Inclusion proof time vs log size',
        spec: lines({
          title: 'Time to build one inclusion proof',
          xTitle: 'audit entries (log scale)',
          yTitle: 'µs per proof (log scale)',
          logX: true,
          logY: true,
          rows: this.proofs.flatMap(
            p => [{ x: p.leveldb.size, series: 'audit log in LevelDB', y: p.leveldb.meanUs }, {
              x: p.memory.size,
              series: 'same size, tree in memory',
              y: p.memory.meanUs
            }]
          )
        })
      })
    }
    for (const f of [...auditFigures, ...figures]) ctx.figures.set(f.id, f)
    return {
      item: {
        figures: auditFigures,
        details: {
          verifier: this.verifier?.file ?? null,
          runs: this.rateRuns,
          ceilings: this.ceilings,
          libsodiumCeilings: this.sodiumCeilings,
          lastReport: this.lastReport ?? null
        },
        charts: [],
        notes: this.verifier == null ? [`${this.unavailable} when this run started: the figure is reported as not available.`] : []
      },
      growth: { figures, details: { auditSeries: this.series, proofs: this.proofs }, charts, notes: [] }
    }
  }
}
