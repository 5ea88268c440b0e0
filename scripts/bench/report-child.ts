/**
 * Child process of the report benchmark: compute one cooperation report (all figures, by peer
 * and week) from a stopped node's data directory, then `report verify` it (which also hashes
 * every leaf), and print one JSON line: wall and CPU times, entries, memory. Run alone:
 *
 *   node --expose-gc scripts/bench/report-child.ts DATA_DIR
 *
 * Memory, three ways: `maxRss` (the kernel's peak RSS), `anonPeak` (peak anonymous RSS, sampled
 * every 20 ms from /proc/self/status: heap and native allocations, without the file pages of
 * the LevelDB tables, which LevelDB maps read-only and which count in RSS as page cache the
 * kernel can drop at will — about 400 MB at 1 M entries), and `retainedHeap` (V8 heap in use
 * after a full GC at the end of the computation, with --expose-gc: what the report keeps).
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { computeReport, dataDirSource, reportQuery, verifyReport } from '../../node/report/index.ts'
import { Normaliser } from '../../node/report/facts.ts'

const dir = process.argv[2]
if (dir == null) throw new Error('usage: report-child.ts DATA_DIR')

const anonKb = (): number | null => {
  try {
    const m = /RssAnon:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    return m == null ? null : Number(m[1])
  } catch {
    return null
  }
}
let anonPeak = 0
const sample = (): void => {
  anonPeak = Math.max(anonPeak, (anonKb() ?? 0) * 1024)
}
const timer = setInterval(sample, 20)

// The heap the computation retains, measured just before the figures are tabulated.
let retainedHeap: number | null = null
const gc = (globalThis as { gc?: () => void }).gc
const finish = Normaliser.prototype.finish
Normaliser.prototype.finish = function (this: Normaliser) {
  if (gc != null && retainedHeap == null) {
    gc()
    retainedHeap = process.memoryUsage().heapUsed
  }
  finish.call(this)
}

// Main-thread CPU beside the process's: LevelDB reads on the thread pool, GC helpers and the
// leaf-hashing worker of `report verify` count in the process's but not on the event loop.
const threadCpu = (process as { threadCpuUsage?: (prev?: NodeJS.CpuUsage) => NodeJS.CpuUsage }).threadCpuUsage?.bind(process)
const ms = (u: NodeJS.CpuUsage | undefined): number | null => u == null ? null : (u.user + u.system) / 1000
const t0 = performance.now()
const c0 = process.cpuUsage()
const m0 = threadCpu?.()
const source = await dataDirSource(dir)
const { report } = await computeReport(source, reportQuery({ by: ['peer', 'week'] }))
await source.close()
const computeMs = performance.now() - t0
const cpu = process.cpuUsage(c0)
const computeCpuMs = (cpu.user + cpu.system) / 1000
const computeMainCpuMs = ms(m0 == null ? undefined : threadCpu?.(m0))
sample()
const anonAfterCompute = anonPeak
const rssAfterCompute = process.resourceUsage().maxRSS * 1024
Normaliser.prototype.finish = finish
const t1 = performance.now()
const c1 = process.cpuUsage()
const m1 = threadCpu?.()
const again = await dataDirSource(dir)
const verdict = await verifyReport(Buffer.from(JSON.stringify(report)), again)
await again.close()
const verifyMs = performance.now() - t1
const verifyCpuMs = ms(process.cpuUsage(c1)) as number
const verifyMainCpuMs = ms(m1 == null ? undefined : threadCpu?.(m1))
clearInterval(timer)
if (!verdict.ok) throw new Error(`report verify failed: ${verdict.differences.join(', ')}`)
process.stdout.write(
  JSON.stringify({
    entries: report.coverage.entries,
    uncorrelated: report.coverage.uncorrelated,
    computeMs,
    computeCpuMs,
    computeMainCpuMs,
    verifyMs,
    verifyCpuMs,
    verifyMainCpuMs,
    maxRss: process.resourceUsage().maxRSS * 1024,
    rssAfterCompute,
    anonAfterCompute,
    retainedHeap
  }) + '\n'
)
