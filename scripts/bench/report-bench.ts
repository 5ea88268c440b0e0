/**
 * Item 7 — cooperation report: compute a report (every figure, by peer and week) over a log of
 * 1,000,000 audit entries (quick: 100,000) in a fresh child process, and `report verify` it.
 * Goal: ≤ 10 s for the report at 1 M (its CPU time is reported beside it: on a shared machine
 * the wall time follows the load, the CPU time much less). Memory must stay bounded (streaming,
 * not loading the log): the child's memory is measured at a tenth of the size and at the full
 * size, and the figure is the growth of the peak anonymous RSS between them (goal: under
 * 128 MB for ten times the entries; the join state saturates at DEFAULT_REPORT_JOIN_LIMIT).
 * Anonymous, because LevelDB maps its table files and every page of them read counts in the
 * kernel's RSS as page cache (≈ 400 MB for 1 M entries) without being memory the report holds;
 * the kernel's peak RSS and the heap retained after a full GC are reported beside it.
 *
 * The log is written by node/audit/synthetic-data-dir.ts (signed messages both ways with their
 * receipts: two entries per message), through the real Store and AuditLog, and settled (its
 * LevelDB compacted before it is closed: written that fast, the store is left with a compaction
 * debt the report's snapshot would otherwise pay — about 40 % of the report's CPU at 100 k
 * entries — which a node writing at its real pace pays as it goes).
 *
 * Smoke it alone at a tiny size (never the full run on a shared machine):
 *
 *   node scripts/bench/report-bench.ts --entries 2000
 *
 * @module
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { buildSyntheticDataDir } from '../../node/audit/synthetic-data-dir.ts'
import type { BenchContext, ItemResult } from './context.ts'
import { makeFigure } from './figures.ts'

const CHILD = fileURLToPath(new URL('./report-child.ts', import.meta.url))
const run = promisify(execFile)

export const REPORT_GOAL_MS = 10_000
export const REPORT_RSS_GROWTH_GOAL_BYTES = 128 * 1024 * 1024

export interface ReportRun {
  entries: number
  uncorrelated: number
  computeMs: number
  computeCpuMs: number
  /** Main thread only (null where process.threadCpuUsage is missing). */
  computeMainCpuMs: number | null
  verifyMs: number
  verifyCpuMs: number
  verifyMainCpuMs: number | null
  maxRss: number
  rssAfterCompute: number
  anonAfterCompute: number
  retainedHeap: number | null
}

export async function measureReport (root: string, entries: number, log: (line: string) => void): Promise<ReportRun> {
  const dir = await mkdtemp(join(root, 'report-'))
  try {
    const messages = Math.ceil(entries / 2)
    log(`report: writing ${messages} signed messages with receipts (${messages * 2} entries)`)
    await buildSyntheticDataDir({ dir, inbound: Math.floor(messages / 2), outbound: Math.ceil(messages / 2), peers: 5, bodyBytes: 200, settle: true })
    const { stdout } = await run(process.execPath, ['--expose-gc', CHILD, dir], { maxBuffer: 1 << 20 })
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string) as ReportRun
    const mb = (b: number | null): string => b == null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MB`
    const sec = (v: number | null): string => v == null ? 'n/a' : `${(v / 1000).toFixed(2)} s`
    const compute = `CPU ${sec(result.computeCpuMs)}, main thread ${sec(result.computeMainCpuMs)}`
    const verify = `${sec(result.verifyMs)}, CPU ${sec(result.verifyCpuMs)}, main thread ${sec(result.verifyMainCpuMs)}`
    const memory = `peak anonymous RSS ${mb(result.anonAfterCompute)}, peak RSS ${mb(result.rssAfterCompute)}, retained heap ${mb(result.retainedHeap)}`
    log(`report: ${result.entries} entries in ${sec(result.computeMs)} (${compute}; verify ${verify}), ${memory}`)
    return result
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export async function runReport (ctx: BenchContext, root: string, entries = ctx.quick ? 100_000 : 1_000_000): Promise<ItemResult> {
  const small = await measureReport(root, Math.max(2, Math.round(entries / 10)), ctx.log)
  const big = await measureReport(root, entries, ctx.log)
  const growth = Math.max(0, big.anonAfterCompute - small.anonAfterCompute)
  const mb = (b: number | null): string => b == null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MB`
  return {
    figures: [
      makeFigure({
        id: 'report.time',
        name: `Report over ${big.entries.toLocaleString('en')} audit entries`,
        measured: 'time to compute every figure by peer and week, fresh process',
        unit: 'ms',
        samples: [big.computeMs],
        goal: { op: '<=', value: REPORT_GOAL_MS }
      }),
      makeFigure({
        id: 'report.cpu',
        name: `Report over ${big.entries.toLocaleString('en')} audit entries, CPU time`,
        measured: 'user + system CPU of the child while computing (both threads: LevelDB reads on the thread pool)',
        unit: 'ms',
        samples: [big.computeCpuMs]
      }),
      makeFigure({
        id: 'report.memory',
        name: 'Report memory growth for 10 × the entries',
        measured: `peak anonymous RSS at ${big.entries} entries minus at ${small.entries}`,
        unit: 'bytes',
        samples: [growth],
        goal: { op: '<=', value: REPORT_RSS_GROWTH_GOAL_BYTES }
      })
    ],
    details: { small, big },
    charts: [],
    notes: [
      `report verify (recompute + Merkle root of every leaf) took ${(big.verifyMs / 1000).toFixed(2)} s at ${big.entries} entries (CPU ${
        (big.verifyCpuMs / 1000).toFixed(2)
      } s, main thread ${big.verifyMainCpuMs == null ? 'n/a' : (big.verifyMainCpuMs / 1000).toFixed(2) + ' s'}).`,
      `Memory at ${small.entries} / ${big.entries} entries: peak anonymous RSS ${mb(small.anonAfterCompute)} / ${
        mb(big.anonAfterCompute)
      }; kernel peak RSS (with the LevelDB table pages mapped) ${mb(small.rssAfterCompute)} / ${mb(big.rssAfterCompute)}; heap retained after a full GC ${
        mb(small.retainedHeap)
      } / ${mb(big.retainedHeap)}; joins given up ${small.uncorrelated} / ${big.uncorrelated}.`
    ]
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { entries: { type: 'string', default: '2000' } } })
  const root = await mkdtemp(join(tmpdir(), 'liaison-bench-report-'))
  try {
    const result = await runReport({ quick: true, scratch: root, cores: 1, log: console.log, figures: new Map() }, root, Number(values.entries))
    for (const f of result.figures) console.log(`${f.id}: ${f.value} ${f.unit} (goal met: ${String(f.met)})`)
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}
