/**
 * `npm run bench` — benchmarks that tell the truth. Runs real node processes on loopback and
 * writes bench/results.json (every figure with its ceiling, goal, verdict, runs and spread;
 * machine and commit) and bench/REPORT.md with SVG charts next to it.
 *
 *     npm run bench                   # full: 3 runs per figure, 1 M messages for cost growth
 *     npm run bench -- --quick        # every item, fewer messages, one run; under two minutes
 *     npm run bench -- --only=ingest,latency --out=bench/out/dev --keep
 *
 * Items: crypto, ingest (+ latency and the CPU profile, same two processes), fanout, growth
 * (+ audit verify and proofs over the pre-filled stores), report (cooperation report), query
 * (hit/no-hit index and answers), taxii (TAXII ingest vs plain send). A run that loses a message
 * or whose receipts or proofs do not verify exits 1 and writes no results.
 *
 * @module
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startPair } from './agents.ts'
import { IntegrityError, type BenchContext, type ItemResult } from './context.ts'
import type { Figure } from './figures.ts'
import { runCrypto } from './crypto.ts'
import { runIngest } from './ingest.ts'
import { runLatency } from './latency.ts'
import { ingestProfileSet, runProfile, type ProfileSet } from './profile.ts'
import { runFanout } from './fanout.ts'
import { runGrowth } from './growth.ts'
import { runTaxii } from './taxii.ts'
import { runQuery } from './query.ts'
import { AuditBench } from './audit.ts'
import { runReport } from './report-bench.ts'
import { fsyncLatency, machineInfo } from './machine.ts'
import { attainment, renderReport, type Section } from './report.ts'
import { goalAttainment, renderCharts, type ChartSpec } from './charts.ts'

const ITEMS = ['crypto', 'ingest', 'fanout', 'growth', 'report', 'taxii', 'query'] as const
type Item = typeof ITEMS[number]

const PROJECT = resolve(new URL('../../', import.meta.url).pathname)

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: join(PROJECT, 'bench') },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false }
  }
})
const quick = args.quick === true
const only = new Set((args.only?.split(',') ?? ITEMS).map(s => s.trim()).filter(s => s !== '')) as Set<Item>
for (const item of only) if (!(ITEMS as readonly string[]).includes(item)) throw new Error(`--only: unknown item ${item} (items: ${ITEMS.join(', ')})`)
const outDir = resolve(args.out as string)

const startedAt = new Date()
const t0 = performance.now()
const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s`
const log = (line: string): void => {
  console.log(`[${elapsed()}] ${line}`)
}

const machine = machineInfo()
const scratch = join(PROJECT, 'bench', 'out', `run-${startedAt.toISOString().replace(/[:.]/g, '-')}`)
await mkdir(scratch, { recursive: true })
const dataRoot = await mkdtemp(join(tmpdir(), 'liaison-bench-'))
const ctx: BenchContext = { quick, scratch, cores: machine.cores, log, figures: new Map() }

log(`liaison bench (${quick ? 'quick' : 'full'}) — ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`)
log(`data directories in ${dataRoot}, scratch in ${scratch}`)

const sections: Section[] = []
const profiles: ProfileSet[] = []
const fsync = await fsyncLatency(dataRoot)
log(`fsync latency: ${fsync.p50.toFixed(2)} ms p50, ${fsync.p99.toFixed(2)} ms p99`)

const section = (title: string, intro: string, result: ItemResult): void => {
  sections.push({ title, intro, result })
}
const merge = (a: ItemResult, b: ItemResult): ItemResult => ({
  figures: [...a.figures, ...b.figures],
  details: { ...a.details, ...b.details },
  charts: [...a.charts, ...b.charts],
  notes: [...a.notes, ...b.notes]
})

try {
  if (only.has('crypto')) {
    log('6. crypto: envelope sign/verify vs raw node:crypto and @noble/ed25519')
    section(
      '6. Crypto: envelope vs raw Ed25519',
      'DSSE envelope signing and verification (PAE + Ed25519) against raw node:crypto (OpenSSL) and raw @noble/ed25519 on the same 1 KiB payload, one ' +
        'thread. Envelope figures are interleaved with their node:crypto counterpart in short slices so background load hits both alike.',
      await runCrypto(ctx)
    )
  }
  if (only.has('ingest')) {
    log('1. ingest, 2. latency and the CPU profile: one sender process, one receiver process')
    const pair = await startPair(join(dataRoot, 'pair'))
    try {
      section(
        '1. Ingest',
        'One sender process and one receiver process on loopback, each a full Liaison node. Every message is signed, sent over libp2p (TCP + Noise + yamux), ' +
          "verified, policy-checked and fsync'd by the receiver, which answers with a signed receipt that the sender verifies and fsyncs. Rate = messages / " +
          '(first send → last recorded receipt). The ceiling is raw libp2p between the same two processes on the same connection: length-prefixed frames ' +
          'as long as the real envelopes, acks as long as the real receipts, the same window in flight — the cost of moving the bytes, without Liaison.',
        await runIngest(ctx, pair)
      )
      log('2. latency')
      section(
        '2. Latency',
        'Send → verified, recorded receipt for 1 KiB messages. Light load: one message in flight, each run started once both nodes have gone idle after the ' +
          'heavy run before it (< 5 % of a core for a whole second: LevelDB has flushed and compacted what that run wrote). 50 % load: an open loop issuing ' +
          "sends on a fixed schedule at half the ingest rate measured above, latency taken from each send's scheduled time to its delivery event (no " +
          'coordinated omission).',
        await runLatency(ctx, pair)
      )
      log('profile: one extra 1 KiB ingest run under the CPU profiler')
      profiles.push(ingestProfileSet(await runProfile(ctx, pair)))
    } finally {
      await pair.fleet.stop().catch(() => {
        pair.fleet.kill()
      })
    }
  }
  if (only.has('fanout')) {
    log('3. fan-out: 30-node federation')
    section(
      '3. Fan-out',
      'Thirty node processes on this machine: a hub that trusts 29 peers, each peer trusting the hub, logs at error level. One 1 KiB message to 10 and to 29 ' +
        'peers, time from send to the last verified, recorded receipt; then the resident memory of every idle peer.',
      await runFanout(ctx, join(dataRoot, 'fanout'))
    )
  }
  if (only.has('growth')) {
    log('5. cost growth (and 4. audit verify on the pre-filled stores)')
    const audit = new AuditBench(ctx)
    await audit.init()
    const growth = await runGrowth(ctx, join(dataRoot, 'growth'), async dir => {
      await audit.measure(dir)
    })
    const auditResults = audit.results()
    if (audit.profile != null) profiles.push(audit.profile)
    section(
      '4. Audit verify',
      "Offline verification of a stopped node's data directory (every stored envelope's signature, the audit log's Merkle tree and its signed checkpoint) " +
        'with one worker per core, in envelopes per second, against raw OpenSSL Ed25519 verifications per second on one core × the number of cores, measured ' +
        'in the same run just before. Measured on the pre-filled store of item 5 before any node touched it.',
      auditResults.item
    )
    section(
      '5. Cost growth',
      `The same work with more history: ingest into a receiver already holding ${
        quick ? '100 k' : '1 M'
      } messages vs one holding 10 k (pre-filled through the store with signed messages, receipts and audit entries before the nodes start; ` +
        'runs interleaved), audit verification time vs log size, and inclusion proof length and time vs log size ' +
        `(the real audit log in LevelDB, and the Merkle tree in memory for reference).${
          quick ? ' Quick mode: 10 k vs 100 k stored for ingest, 10 k and 50 k for audit verification.' : ''
        }`,
      merge(growth, auditResults.growth)
    )
  }
  if (only.has('report')) {
    log('7. cooperation report over the audit log')
    section(
      '7. Cooperation report',
      `A cooperation report (every figure, broken down by peer and week) computed in a fresh process from a stopped node's data directory holding ${
        quick ? '100 k' : '1 M'
      } audit entries (signed messages both ways with their receipts), streamed from LevelDB; then report verify of it. ` +
        'Memory: peak RSS growth from a tenth of the entries to all of them.',
      await runReport(ctx, dataRoot)
    )
  }
  if (only.has('taxii')) {
    log('8. TAXII ingest vs plain send of the same bundles')
    await mkdir(join(dataRoot, 'taxii'), { recursive: true })
    section(
      '8. TAXII ingest',
      "Two node processes on loopback. A TAXII 2.1 client POSTs envelopes of STIX indicators to A's outbound collection (each becomes a signed, " +
        "policy-checked message to B); the clock stops when B's inbound collection serves every object (paged GETs). The ceiling is plain `send` of the same " +
        "bundles through A's local API until B stored them all, in the same run, runs interleaved.",
      await runTaxii(ctx, join(dataRoot, 'taxii'))
    )
  }
  if (only.has('query')) {
    log('9. hit/no-hit queries: index build and answer vs the raw ristretto255 primitive')
    section(
      '9. Hit/no-hit queries',
      'The query index (PROTOCOL.md §19) built from a streamed CSV of phone selectors on a worker pool (one worker per core), and query answers, in ' +
        'selectors per second against raw libsodium ristretto255 scalar multiplications (× cores for the build) measured in the same run; the projected time ' +
        "for a 1,000,000-selector index and the build's memory growth; a 100-selector query end to end through two node processes on loopback, and through " +
        'the pure pipeline for comparison.',
      await runQuery(ctx, dataRoot)
    )
  }
} catch (err) {
  if (err instanceof IntegrityError) {
    console.error(`\n*** BENCHMARK INVALID: ${err.message}\n*** No results were written: a run lost a message or a receipt/proof did not verify.\n`)
  } else {
    console.error('\n*** BENCHMARK FAILED\n', err)
  }
  if (!args.keep) await rm(dataRoot, { recursive: true, force: true })
  process.exit(1)
}
if (!args.keep) await rm(dataRoot, { recursive: true, force: true })

// Item order in the report: 1–6.
sections.sort((a, b) => a.title.localeCompare(b.title, 'en', { numeric: true }))
const figures: Figure[] = sections.flatMap(s => s.result.figures)
const attainments = figures.flatMap(f => {
  const a = attainment(f)
  return a == null ? [] : [{ figure: f.name, attainment: a, met: f.met === true }]
})
const charts: ChartSpec[] = sections.flatMap(s => s.result.charts)
if (attainments.length > 0) charts.unshift({ file: 'summary.svg', title: 'Goal attainment', spec: goalAttainment(attainments) })

await mkdir(outDir, { recursive: true })
await renderCharts(outDir, charts)
const durationSeconds = (performance.now() - t0) / 1000
const loadAverageEnd = loadavg().map(x => Math.round(x * 100) / 100)
const results = {
  schema: 1,
  mode: quick ? 'quick' : 'full',
  partial: only.size < ITEMS.length ? [...only] : undefined,
  date: startedAt.toISOString(),
  durationSeconds,
  machine: { ...machine, loadAverageEnd },
  fsync,
  goalSemantics:
    'goal = {op, ratio?, value?}: every named threshold must hold; ratio compares value/ceiling, value compares value; met is null without a goal, false ' +
    'when value is null',
  figures,
  details: Object.fromEntries(sections.map(s => [s.title, s.result.details])),
  profiles
}
await writeFile(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n')
await writeFile(
  join(outDir, 'REPORT.md'),
  renderReport({
    quick,
    date: startedAt.toISOString(),
    durationSeconds,
    machine,
    loadAverageEnd,
    fsync,
    sections,
    profiles,
    figures,
    ...(attainments.length > 0 ? { summaryChart: 'summary.svg' } : {})
  })
)

log(`done in ${durationSeconds.toFixed(0)} s — ${join(outDir, 'results.json')}, ${join(outDir, 'REPORT.md')}, ${charts.length} charts`)
for (const f of figures) {
  const verdict = f.met === true ? 'met' : f.met === false ? 'MISSED' : 'info'
  const ratio = f.ratio == null ? '' : ` (${f.ratio.toFixed(2)} × ceiling)`
  console.log(`  ${verdict.padEnd(6)} ${f.name}: ${f.value == null ? 'n/a' : Number(f.value.toPrecision(4))} ${f.unit}${ratio}`)
}
