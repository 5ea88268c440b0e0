/**
 * bench/REPORT.md from one run's results: the verdict table, one section per item with what
 * was measured and its charts, and for every figure below goal where the time goes (CPU
 * profile summaries of sender and receiver) and what would move it.
 *
 * @module
 */
import { describeGoal, verdict, type Figure } from './figures.ts'
import type { ItemResult } from './context.ts'
import type { MachineInfo, FsyncLatency } from './machine.ts'
import type { ProfileSet } from './profile.ts'
import type { ProfileSummary } from './profile-summary.ts'

export interface Section {
  title: string
  intro: string
  result: ItemResult
}

export interface ReportInput {
  quick: boolean
  date: string
  durationSeconds: number
  machine: MachineInfo
  loadAverageEnd: number[]
  fsync: FsyncLatency
  sections: Section[]
  profiles: ProfileSet[]
  figures: Figure[]
  /** Chart files that exist next to REPORT.md (summary chart included). */
  summaryChart?: string
}

export function formatValue (value: number | null, unit: string): string {
  if (value == null) return 'n/a'
  const abs = Math.abs(value)
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
  return unit === '' ? text : `${text} ${unit}`
}

function verdictMark (f: Figure): string {
  if (f.met === true) return '✅ met'
  if (f.met === false) return f.value == null ? '❌ not measured' : '❌ missed'
  return '—'
}

function figureRow (f: Figure): string {
  const spread = f.spread == null ? '—' : `${formatValue(f.spread.min, '')}–${formatValue(f.spread.max, '')}`
  const ceiling = f.ceiling == null ? '—' : `${formatValue(f.ceiling, '')}`
  const ratio = f.ratio == null ? '—' : f.ratio.toFixed(3)
  return `| ${f.name} | ${formatValue(f.value, f.unit)} | ${ceiling} | ${ratio} | ${describeGoal(f.goal, f.unit)} | ${verdictMark(f)} | ${f.runs} | ${spread} |`
}

const TABLE_HEAD = '| Figure | Value (median) | Ceiling | Ratio | Goal | Verdict | Runs | Spread (min–max) |\n|---|---:|---:|---:|---|---|---:|---|'

function profileTable (who: string, s: ProfileSummary): string {
  const out = [
    `**${who}** — ${s.samples.toLocaleString('en-US')} samples over ${(s.durationMs / 1000).toFixed(2)} s, busy ${
      s.busyPct.toFixed(1)
    } % of the time (the rest idle: waiting for I/O, a lock or another process).`,
    ''
  ]
  out.push('| Self time | Function | Where | Category |', '|---:|---|---|---|')
  for (const t of s.top) out.push(`| ${t.pct.toFixed(1)} % | \`${t.name}\` | ${t.location} | ${t.category} |`)
  out.push('', 'By category: ' + s.categories.filter(c => c.pct >= 0.5).map(c => `${c.category} ${c.pct.toFixed(1)} %`).join(' · '), '')
  return out.join('\n')
}

const ED25519 = 'Ed25519 sign/verify'

function share (s: ProfileSummary, category: string): number {
  return s.categories.find(c => c.category === category)?.pct ?? 0
}

/** How many runs met the goal on their own (each run's value against its own ceiling). */
function runsMeeting (f: Figure): number {
  return f.samples.filter((v, i) => {
    const c = f.ceilingSamples?.[i]
    return verdict(f.goal, v, c == null || c === 0 ? null : v / c) === true
  }).length
}

/** What would move a missed figure, from this run's own numbers. */
function hints (f: Figure, input: ReportInput, byId: Map<string, Figure>): string[] {
  const out: string[] = []
  if (f.runs > 1) {
    const k = runsMeeting(f)
    if (k > 0) {
      out.push(
        `${k} of ${f.runs} runs met the goal on their own (runs: ${
          f.samples.map(x => formatValue(x, '')).join(', ')
        } ${f.unit}): on this machine the verdict is not stable from run to run.`
      )
    }
  }
  const ingest = input.profiles.find(x => x.id === 'ingest')
  const p = ingest == null ? undefined : { sender: ingest.threads[0].summary, receiver: ingest.threads[1].summary }
  const sign = byId.get('crypto.libsodium.sign')?.value ?? byId.get('crypto.envelope.sign')?.ceiling
  // The node signs and verifies with libsodium where it loads (protocol/ed25519-fast.ts).
  const verify = byId.get('crypto.libsodium.verify')?.value ?? byId.get('crypto.envelope.verify')?.ceiling
  const cryptoBound = sign != null && verify != null ? 1 / (1 / sign + 1 / verify) : undefined
  if (f.id === 'growth.ingest') {
    const lo = Math.min(...f.samples)
    const hi = Math.max(...(f.ceilingSamples ?? []))
    out.push(
      lo <= hi && Math.max(...f.samples) >= Math.min(...(f.ceilingSamples ?? [])) && f.runs > 1
        ? `The runs overlap (with more stored: ${f.samples.map(x => Math.round(x)).join(', ')} msg/s; with less: ${
          (f.ceilingSamples ?? []).map(x => Math.round(x)).join(', ')
        } msg/s): the gap is within this machine's run-to-run noise.`
        : `Per-run rates with more stored: ${f.samples.map(x => Math.round(x)).join(', ')} msg/s; with less: ${
          (f.ceilingSamples ?? []).map(x => Math.round(x)).join(', ')
        } msg/s${f.runs === 1 ? ' (a single run each: noise cannot be told apart from a real difference)' : ''}.`
    )
    out.push(
      "Both receivers run the same code against the same sender; what differs is LevelDB's depth: more levels to search when the replay filter lets a lookup " +
        'through, and bigger compactions competing for the disk and the CPU. What moves it: fewer point reads on the write path (the replay filter already ' +
        'skips most), and batching writes so compaction work per message stays flat.'
    )
  } else if (f.id.startsWith('ingest')) {
    if (p != null) {
      const idle = [100 - p.sender.busyPct, 100 - p.receiver.busyPct]
      out.push(
        `In the profiled 1 KiB run the sender was busy ${p.sender.busyPct.toFixed(0)} % and the receiver ${
          p.receiver.busyPct.toFixed(0)
        } % of one core each; Ed25519 signing and verification took ${share(p.sender, ED25519).toFixed(0)} % of the sender's and ${
          share(p.receiver, ED25519).toFixed(0)
        } % of the receiver's samples (event loops only: signatures of inbound envelopes and receipts are verified in worker threads, ` +
          'which this profile does not sample).'
      )
      if (Math.min(...idle) > 20 && f.id === 'ingest.1k' && (byId.get('ingest.1k.cpu')?.value ?? 0) === 0) {
        out.push(
          `Neither process is CPU-bound (${idle[0].toFixed(0)} % / ${idle[1].toFixed(0)} % idle): the pipeline waits — on fsync (each group commit costs ${
            input.fsync.p50.toFixed(2)
          } ms p50 on this disk), on receipts coming back within the delivery window, and on hand-offs between the stages. ` +
            "What moves it: more work per fsync (larger group commits on both sides, the sender's enqueue and receipt writes merged), " +
            'and keeping the window full while a batch is being made durable.'
        )
      }
    }
    if (p != null) {
      const next = (x: ProfileSummary): string =>
        x.top.filter(t => t.category !== ED25519 && t.category !== 'GC').slice(0, 4).map(t => `\`${t.name}\` ${t.pct.toFixed(1)} %`).join(', ')
      out.push(
        `Beyond Ed25519, the largest self-time items — sender: ${next(p.sender)}; receiver: ${next(p.receiver)}; garbage collection ${
          share(p.sender, 'GC').toFixed(1)
        } % / ${share(p.receiver, 'GC').toFixed(1)} %.`
      )
    }
    if (cryptoBound != null) {
      out.push(
        `Cryptography alone bounds each process at about ${
          Math.round(cryptoBound).toLocaleString('en-US')
        } msg/s on one core (per message the sender signs the message and verifies the receipt, ` +
          `the receiver verifies the message and signs the receipt; this run's raw rates: sign ${
            Math.round(sign as number).toLocaleString('en-US')
          }/s, verify ${Math.round(verify as number).toLocaleString('en-US')}/s).`
      )
    }
    const cpu = byId.get(`${f.id}.cpu`)
    // The crypto item signs and verifies 1 KiB payloads: the budget is only spelled out for that size.
    if (f.id === 'ingest.1k' && cpu?.value != null && cpu.ceiling != null && cryptoBound != null && f.ceiling != null) {
      const cores = input.machine.cores
      const budget = (rate: number): number => cores * 1e6 / rate
      const crypto = 2 * 1e6 / cryptoBound
      const goalRate = Math.max(f.goal?.value ?? 0, (f.goal?.ratio ?? 0) * f.ceiling)
      out.push(
        `CPU budget: both processes together used ${Math.round(cpu.value)} µs of CPU per message (all threads; raw libp2p ${
          Math.round(cpu.ceiling)
        } µs per frame), so ${cores} cores allow at most ${Math.round(budget(1) / cpu.value).toLocaleString('en-US')} msg/s. The goal, ${
          Math.round(goalRate).toLocaleString('en-US')
        } msg/s, leaves ${Math.round(budget(goalRate))} µs per message for everything, of which Ed25519 alone (two signatures, two verifications) takes ${
          Math.round(crypto)
        } µs and moving the bytes as raw libp2p does ${Math.round(cpu.ceiling)} µs: ${
          budget(goalRate) > crypto + cpu.ceiling
            ? `${Math.round(budget(goalRate) - crypto - cpu.ceiling)} µs would remain for parsing, policy, LevelDB with fsync and the audit log, which take ${
              Math.round(cpu.value - crypto - cpu.ceiling)
            } µs in this run`
            : `more than the budget before a byte is parsed or stored — not reachable with a signed receipt per message and both nodes on one ${cores}-core ` +
              `machine; on separate machines each node has its cores to itself, and the verification workers use every core there is`
        }.`
      )
    }
    if (f.id === 'ingest.64k') {
      out.push(
        'For 64 KiB bodies the per-byte work dominates: base64 and JSON of the envelope, SHA-256/SHA-512 over the PAE, the copy into LevelDB and its ' +
          'write-ahead log — the raw ceiling moves the same bytes with none of that.'
      )
    }
  } else if (f.id.startsWith('latency')) {
    out.push(
      `At light load one message costs three durable writes in series — the sender's enqueue, the receiver's store, the sender's receipt record — ` +
        `and this disk's fsync alone takes ${input.fsync.p50.toFixed(2)} ms p50 / ${
          input.fsync.p99.toFixed(2)
        } ms p99, so the tail follows the disk's tail. What moves it: fewer fsyncs on the path (record the receipt without waiting for the ` +
        "enqueue's fsync to finish; one write per side), and a disk with a shorter fsync tail."
    )
  } else if (f.id === 'fanout.rss') {
    const note = input.sections.flatMap(s => s.result.notes).find(n => n.startsWith('Idle peer memory'))
    if (note != null) out.push(note)
    out.push(
      'What moves it: fewer modules loaded at start-up (the runtime type stripper, pino-pretty, unused libp2p services), a smaller LevelDB block cache and ' +
        'write buffer for idle nodes, and starting the V8 heap smaller (`--max-semi-space-size`).'
    )
  } else if (f.id.startsWith('fanout')) {
    out.push(
      'Thirty node processes share two cores: one message to 29 peers is 29 verifies, 29 fsyncs and 29 signed receipts spread over those processes, plus 29 ' +
        'receipt verifications and durable records in the sender. What moves it: the sender recording many receipts in one group commit, and fewer processes ' +
        'per core (a real federation has one node per machine).'
    )
  } else if (f.id.startsWith('crypto.') && f.value != null && f.ceiling != null) {
    out.push(
      `The envelope path adds ${(1e6 / f.value - 1e6 / f.ceiling).toFixed(1)} µs per operation to the ${
        (1e6 / f.ceiling).toFixed(1)
      } µs of the bare OpenSSL call (PAE construction — a copy of the payload behind a length-prefixed header — and argument checks). ` +
        'What moves it: building the PAE once per envelope and reusing it for the digest.'
    )
  } else if (f.id === 'audit.verify' && f.value == null) {
    out.push(`${f.note ?? 'The audit verifier is not available'}. The benchmark measures it as soon as node/audit exports a \`verifyDataDir\` that loads.`)
  } else if (f.id === 'audit.verify') {
    const audit = input.profiles.find(x => x.id === 'audit')
    if (audit != null) {
      const workers = audit.threads.filter(t => t.who.startsWith('Worker'))
      const busy = workers.map(t => t.summary.busyPct.toFixed(0) + ' %').join(', ')
      const crypto = workers.map(t => share(t.summary, ED25519).toFixed(0) + ' %').join(', ')
      const main = audit.threads.find(t => t.who === 'Main thread')?.summary
      out.push(
        `In the profiled verification the workers were busy ${busy} of the time, Ed25519 verification taking ${crypto} of their samples${
          main != null ? `; the main thread (reading LevelDB, rebuilding the tree, joining records and leaves) was busy ${main.busyPct.toFixed(0)} %` : ''
        }.`
      )
      const saturated = workers.length > 0 && workers.every(t => t.summary.busyPct > 85)
      if (saturated && main != null) {
        out.push(
          `The workers are saturated, mostly with Ed25519 itself, so the gap to the ceiling is not idle workers: ` +
            `with ${workers.length} workers on ${input.machine.cores} cores, the main thread's ${
              main.busyPct.toFixed(0)
            } % of a core and the workers' non-Ed25519 work share the cores the ceiling gives entirely to verification ` +
            `(and on a shared machine, other processes take their part of them too). What moves it: ${
              main.busyPct > 20 ? 'less main-thread work per envelope, and ' : ''
            }fewer bytes checksummed, hashed and decoded per envelope in the workers, and overlapping the main thread's entry pass with the workers' reading.`
        )
      } else {
        out.push(
          'The workers are not saturated: what moves the figure is feeding them faster (reading the store ahead of them, bigger batches per message to a ' +
            'worker).'
        )
      }
    }
  }
  return out
}

export function renderReport (input: ReportInput): string {
  const m = input.machine
  const byId = new Map(input.figures.map(f => [f.id, f]))
  const out: string[] = []
  out.push('# Liaison benchmark report', '')
  out.push(
    `Generated by \`npm run bench${input.quick ? ' -- --quick' : ''}\` on ${input.date} in ${Math.round(input.durationSeconds)} s.${
      input.quick ? ' **Quick mode**: every item runs with fewer messages and one run; figures are indicative only.' : ''
    } Every number below was measured in this run; none is copied from an earlier one.`,
    ''
  )
  out.push('| Machine | |', '|---|---|')
  out.push(
    `| CPU | ${m.cpuModel}, ${m.cores} cores |`,
    `| Memory | ${m.totalMemoryMB.toLocaleString('en-US')} MB |`,
    `| Node | ${m.node} (V8 ${m.v8}) |`,
    `| OS | ${m.platform} ${m.kernel} ${m.arch} |`
  )
  out.push(`| Load average | ${m.loadAverage.join(' / ')} at start, ${input.loadAverageEnd.join(' / ')} at end (1/5/15 min) |`)
  out.push(`| fsync (1 KiB write + fdatasync) | ${input.fsync.p50.toFixed(2)} ms p50, ${input.fsync.p99.toFixed(2)} ms p99 |`)
  out.push(`| Commit | ${m.git.commit ?? 'unknown'}${m.git.dirty === true ? ' (with uncommitted changes)' : ''} |`, '')
  // The load at the end includes the benchmark's own processes; the load at the start does not.
  if (m.loadAverage[0] >= m.cores / 2) {
    out.push(
      `> ⚠️ **The machine was shared**: the 1-minute load average was ${
        m.loadAverage[0].toFixed(1)
      } on ${m.cores} cores before the benchmark started anything, so other processes were using the CPU. ` +
        'Absolute rates are depressed and noisy; ratios to ceilings measured in the same run, and the spreads, say more than the absolute numbers.',
      ''
    )
  }

  out.push('## How to read this', '')
  out.push(
    '- Every figure is the **median** of its runs; **spread** is min–max over the runs. Where a figure has a **ceiling** (the same work without Liaison, ' +
      'measured in the same run, between the same processes), **ratio = value / ceiling** exactly, so machine noise hits both sides.'
  )
  out.push(
    '- A **goal** is data in `results.json`: `{"op": ">=" | ">" | "<=" | "<", "ratio"?: r, "value"?: v}`; every threshold it names must hold (`ratio` is ' +
      'compared with value/ceiling, `value` with the value itself). A figure without a goal is informational (`met: null`); one that could not be measured ' +
      'has `value: null, met: false`. Anyone can recompute every verdict from `value`, `ceiling` and `goal`.'
  )
  out.push(
    '- **Integrity**: after every run, outside the timed window, the sender checks that each message ended `delivered` and that the receipt it stored ' +
      "verifies under the recipient's key and says `accepted`; the receiver's inbox must have grown by exactly the number sent, each message accepted once. " +
      'Audit proofs are verified against the root. Any failure aborts the benchmark with a non-zero exit and no report.',
    ''
  )

  out.push('## Verdicts', '')
  if (input.summaryChart != null) out.push(`![Goal attainment](${input.summaryChart})`, '')
  out.push(TABLE_HEAD)
  for (const f of input.figures) out.push(figureRow(f))
  out.push('')

  for (const section of input.sections) {
    out.push(`## ${section.title}`, '', section.intro, '')
    for (const chart of section.result.charts) out.push(`![${chart.title}](${chart.file})`, '')
    out.push(TABLE_HEAD)
    for (const f of section.result.figures) out.push(figureRow(f))
    out.push('')
    for (const f of section.result.figures) {
      out.push(`- **${f.name}** — ${f.measured}.${f.ceilingName != null ? ` Ceiling: ${f.ceilingName}.` : ''}${f.note != null ? ` Note: ${f.note}.` : ''}`)
    }
    out.push('')
    for (const note of section.result.notes) out.push(`> ${note}`, '')
    for (const f of section.result.figures) {
      const trend = trendOf(f.samples)
      if (trend != null) {
        out.push(
          `> **Trend:** the runs of “${f.name}” ${trend} (${
            f.samples.map(x => formatValue(x, '')).join(' → ')
          } ${f.unit}) — something accumulates from run to run (stored data, memory, queues) or the machine's load changed; the median hides it.`,
          ''
        )
      }
    }
  }

  const missed = input.figures.filter(f => f.met === false)
  out.push('## Where the time goes', '')
  if (input.profiles.length === 0) out.push('No profile was taken in this run.', '')
  else {out.push(
      'Self time per function from V8 CPU profiles; native frames (Ed25519 jobs, socket writes, LevelDB batches) are named after their JavaScript caller and ' +
        'counted in its category.',
      ''
    )}
  for (const set of input.profiles) {
    out.push(`### Profile: ${set.title}`, '', set.description, '')
    for (const t of set.threads) out.push(profileTable(t.who, t.summary))
  }
  if (missed.length > 0) {
    out.push('### Figures below goal', '')
    for (const f of missed) {
      out.push(
        `- **${f.name}**: ${formatValue(f.value, f.unit)}${f.ratio != null ? ` (${f.ratio.toFixed(2)} × ceiling)` : ''}, goal ${describeGoal(f.goal, f.unit)}.`
      )
      for (const h of hints(f, input, byId)) out.push(`  - ${h}`)
    }
    out.push('')
  }
  out.push('---', '', 'Machine-readable: [`results.json`](results.json). Re-run: `npm run bench` (full) or `npm run bench -- --quick`.', '')
  return out.join('\n')
}

/**
 * "fall steadily" / "rise steadily" when three or more runs move in one direction by more than
 * 30 % from first to last; undefined otherwise.
 */
export function trendOf (samples: readonly number[]): string | undefined {
  if (samples.length < 3) return undefined
  const down = samples.every((x, i) => i === 0 || x < samples[i - 1])
  const up = samples.every((x, i) => i === 0 || x > samples[i - 1])
  const first = samples[0]
  const last = samples[samples.length - 1]
  if (down && first > 1.3 * last) return 'fall steadily'
  if (up && last > 1.3 * first) return 'rise steadily'
  return undefined
}

/**
 * How far a figure is from its goal, for the summary chart: value / threshold for ≥ and >
 * goals, threshold / value for ≤ and < goals (1 = on goal, above 1 = better). The tighter of
 * the ratio and value thresholds when a goal has both.
 */
export function attainment (f: Figure): number | undefined {
  if (f.goal == null || f.value == null) return undefined
  const parts: number[] = []
  const higher = f.goal.op === '>=' || f.goal.op === '>'
  const of = (actual: number, threshold: number): number => higher ? actual / threshold : threshold / actual
  if (f.goal.ratio != null && f.ratio != null) parts.push(of(f.ratio, f.goal.ratio))
  if (f.goal.value != null) parts.push(of(f.value, f.goal.value))
  return parts.length === 0 ? undefined : Math.min(...parts)
}
