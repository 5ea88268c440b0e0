/**
 * Child process of the report benchmark: compute one cooperation report (all figures, by peer
 * and week) from a stopped node's data directory, then `report verify` it (which also hashes
 * every leaf), and print one JSON line: times, entries, peak RSS. Run alone:
 *
 *   node scripts/bench/report-child.ts DATA_DIR
 *
 * @module
 */
import { computeReport, dataDirSource, reportQuery, verifyReport } from '../../node/report/index.ts'

const dir = process.argv[2]
if (dir == null) throw new Error('usage: report-child.ts DATA_DIR')
const t0 = performance.now()
const source = await dataDirSource(dir)
const { report } = await computeReport(source, reportQuery({ by: ['peer', 'week'] }))
await source.close()
const computeMs = performance.now() - t0
const rssAfterCompute = process.resourceUsage().maxRSS * 1024
const t1 = performance.now()
const again = await dataDirSource(dir)
const verdict = await verifyReport(Buffer.from(JSON.stringify(report)), again)
await again.close()
const verifyMs = performance.now() - t1
if (!verdict.ok) throw new Error(`report verify failed: ${verdict.differences.join(', ')}`)
process.stdout.write(JSON.stringify({ entries: report.coverage.entries, computeMs, verifyMs, maxRss: process.resourceUsage().maxRSS * 1024, rssAfterCompute }) + '\n')
