/**
 * Item 2 — latency: send → verified, recorded receipt, 1 KiB bodies.
 *
 * Light load: one message in flight (the next send starts when the previous receipt is
 * recorded), on nodes that have gone idle after the heavy run before (cpu.ts `untilIdle`).
 * Half load: open loop — sends issued on a fixed schedule at half the ingest rate
 * measured earlier in this run, each latency taken from the send's scheduled time to its
 * `delivery` event, so a node that falls behind cannot hide it by slowing the schedule.
 *
 * @module
 */
import type { Pair } from './agents.ts'
import type { InboxResult, LatencyResult, OpenLoopResult } from './agent-api.ts'
import { assertInboxGrowth, checkLastRun, IntegrityError, type BenchContext, type ItemResult } from './context.ts'
import { makeFigure, type Figure, type Goal } from './figures.ts'
import { percentile } from './stats.ts'
import { untilIdle } from './cpu.ts'
import { cdf } from './charts.ts'

const PERCENTILES = [50, 90, 99] as const

export async function runLatency (ctx: BenchContext, pair: Pair): Promise<ItemResult> {
  const runs = ctx.quick ? 1 : 3
  const { sender, receiver } = pair
  const bodyBytes = 1024
  const lightCount = ctx.quick ? 200 : 1000
  const ingest = ctx.figures.get('ingest.1k')
  if (ingest?.value == null) throw new Error('latency needs the 1 KiB ingest figure of this run')
  const rate = ingest.value / 2
  const seconds = ctx.quick ? 3 : 10
  const openCount = Math.max(50, Math.round(rate * seconds))

  const light: LatencyResult[] = []
  const half: OpenLoopResult[] = []
  const idleWaitsMs: number[] = []
  for (let r = 0; r < runs; r++) {
    // Light load means otherwise idle nodes: let the background work of the previous heavy run
    // (LevelDB flushing and compacting tens of MB) finish first.
    idleWaitsMs.push(Math.round(await untilIdle([sender.pid, receiver.pid])))
    let before = await receiver.request<InboxResult>({ op: 'inbox' })
    const l = await sender.request<LatencyResult>({ op: 'latency', to: receiver.peerId, count: lightCount, bodyBytes })
    await checkLastRun(sender, `latency light run ${r + 1}`, lightCount)
    let after = await receiver.request<InboxResult>({ op: 'inbox' })
    assertInboxGrowth(`latency light run ${r + 1}`, before, after, lightCount)
    light.push(l)
    before = after
    const o = await sender.request<OpenLoopResult>({ op: 'open-loop', to: receiver.peerId, rate, count: openCount, bodyBytes })
    await checkLastRun(sender, `latency open-loop run ${r + 1}`, openCount)
    after = await receiver.request<InboxResult>({ op: 'inbox' })
    assertInboxGrowth(`latency open-loop run ${r + 1}`, before, after, openCount)
    if (o.samples.length !== openCount) throw new IntegrityError(`open loop: ${o.samples.length} latencies for ${openCount} sends`)
    half.push(o)
    ctx.log(
      `  latency run ${r + 1}/${runs} (after ${(idleWaitsMs[r] / 1000).toFixed(1)} s for the nodes to go idle): light p99 ${
        percentile(l.samples, 99).toFixed(2)
      } ms; at ${Math.round(o.rate)} msg/s p99 ${percentile(o.samples, 99).toFixed(2)} ms`
    )
  }

  const figures: Figure[] = []
  const lightGoal: Goal = { op: '<=', value: 10 }
  for (const p of PERCENTILES) {
    figures.push(makeFigure({
      id: `latency.light.p${p}`,
      name: `Latency p${p}, light load`,
      measured:
        `${lightCount} sends per run, one in flight, 1 KiB bodies: service.send → receipt verified and recorded by the sender (nearest-rank p${p} of each ` +
        `run); each run starts once both nodes together have used < 5 % of a core for a whole second, after the heavy run before it`,
      unit: 'ms',
      samples: light.map(l => percentile(l.samples, p)),
      ...(p === 99 ? { goal: lightGoal } : {})
    }))
  }
  for (const p of PERCENTILES) {
    figures.push(makeFigure({
      id: `latency.half.p${p}`,
      name: `Latency p${p}, 50 % load (open loop)`,
      measured: `${openCount} sends per run issued on a fixed schedule at ${
        Math.round(rate)
      } msg/s (half the measured 1 KiB ingest rate): scheduled send time → delivery event (nearest-rank p${p} of each run)`,
      unit: 'ms',
      samples: half.map(o => percentile(o.samples, p))
    }))
  }
  for (const f of figures) ctx.figures.set(f.id, f)
  return {
    figures,
    details: {
      lightCount,
      lightIdleWaitMs: idleWaitsMs,
      openLoop: { targetRate: rate, count: openCount, achievedRates: half.map(o => o.rate), maxIssueLagMs: half.map(o => o.maxIssueLagMs) },
      light: light.map(l => ({
        p50: percentile(l.samples, 50),
        p90: percentile(l.samples, 90),
        p99: percentile(l.samples, 99),
        max: percentile(l.samples, 100)
      })),
      half: half.map(o => ({ p50: percentile(o.samples, 50), p90: percentile(o.samples, 90), p99: percentile(o.samples, 99), max: percentile(o.samples, 100) }))
    },
    charts: [{
      file: 'latency.svg',
      title: 'Latency distribution, send → verified receipt',
      spec: cdf({
        title: 'Send → verified receipt (all runs)',
        xTitle: 'milliseconds (log scale)',
        series: { 'light load (1 in flight)': light.flatMap(l => l.samples), [`open loop at ${Math.round(rate)} msg/s`]: half.flatMap(o => o.samples) }
      })
    }],
    notes: []
  }
}
