/**
 * Item 1 — ingest: messages per second from one sender process to one receiver process, each
 * message signed, sent in a batch (exchange v2), verified, policy-checked, fsync'd and logged by
 * the receiver, answered per batch with a batch receipt (a signed checkpoint and a multiproof)
 * that the sender verifies and records (fsync'd) — first send to last recorded receipt. Ceiling,
 * measured in the same run between the same two processes: raw libp2p length-prefixed
 * request/ack moving the same bytes in the same frames (DEFAULT_BATCH_ENVELOPES envelopes of the
 * real length per frame, acks as long as a batch receipt), the same window in flight.
 *
 * CPU per message (both processes, all threads, process.cpuUsage-style from /proc) is the figure
 * that matters on a shared machine: the budget is ≤ 200 µs for both together.
 *
 * @module
 */
import { DEFAULT_BATCH_ENVELOPES } from '../../node/defaults.ts'
import type { Pair } from './agents.ts'
import type { InboxResult, InfoResult, IngestResult, ProbeResult, RawResult } from './agent-api.ts'
import { assertInboxGrowth, checkLastRun, type BenchContext, type ItemResult } from './context.ts'
import { makeFigure, type Figure } from './figures.ts'
import { groupedBars } from './charts.ts'
import { cpuSeconds, withCpu } from './cpu.ts'
import { median } from './stats.ts'

/** Concurrent `send` callers in the sender (the API's clients). */
export const INGEST_CONCURRENCY = 64

export interface IngestRun {
  raw: RawResult
  ingest: IngestResult
  /** CPU µs per message, sender and receiver processes (all threads), for each. */
  rawCpuUs: [number, number]
  ingestCpuUs: [number, number]
}

export interface IngestSize {
  label: string
  bodyBytes: number
  count: number
}

export function ingestSizes (quick: boolean): IngestSize[] {
  return [
    { label: '1 KiB', bodyBytes: 1024, count: quick ? 2000 : 20_000 },
    { label: '64 KiB', bodyBytes: 64 * 1024, count: quick ? 200 : 2000 }
  ]
}

/**
 * One ingest run, then its checks: every message delivered with a verified receipt, and the
 * receiver's inbox grew by exactly `count`. `between` runs after the clock stopped and before
 * the checks (the profiler stops there).
 */
export async function measureIngest (pair: Pair, what: string, bodyBytes: number, count: number, between?: () => Promise<void>): Promise<IngestResult> {
  const { sender, receiver } = pair
  const before = await receiver.request<InboxResult>({ op: 'inbox' })
  const ingest = await sender.request<IngestResult>({ op: 'ingest', to: [receiver.peerId], count, bodyBytes, concurrency: INGEST_CONCURRENCY })
  await between?.()
  await checkLastRun(sender, what, count)
  assertInboxGrowth(what, before, await receiver.request<InboxResult>({ op: 'inbox' }), count)
  return ingest
}

export async function runIngest (ctx: BenchContext, pair: Pair): Promise<ItemResult> {
  const runs = ctx.quick ? 1 : 3
  const { sender, receiver } = pair
  const info = await receiver.request<InfoResult>({ op: 'info' })
  const figures: Figure[] = []
  const details: Record<string, unknown> = { concurrency: INGEST_CONCURRENCY, window: info.deliveryWindow, ackBytes: info.ackBytes }
  const rows: Array<{ group: string, series: string, value: number }> = []
  for (const size of ingestSizes(ctx.quick)) {
    const probe = await sender.request<ProbeResult>({ op: 'probe', to: receiver.peerId, bodyBytes: size.bodyBytes })
    const raw = {
      op: 'raw',
      peerId: receiver.peerId,
      address: receiver.address,
      frameBytes: probe.envelopeBytes,
      window: info.deliveryWindow,
      perFrame: Math.min(DEFAULT_BATCH_ENVELOPES, Math.max(1, Math.floor(1024 * 1024 / probe.envelopeBytes)))
    } as const
    // Warm-up (JIT, connection, LevelDB): not reported.
    await sender.request<RawResult>({ ...raw, count: Math.min(1000, size.count) })
    await measureIngest(pair, `ingest ${size.label} warm-up`, size.bodyBytes, Math.min(500, size.count))
    const results: IngestRun[] = []
    const pids = [sender.pid, receiver.pid]
    const perMessage = (cpu: number[]): [number, number] => [cpu[0] / size.count * 1e6, cpu[1] / size.count * 1e6]
    for (let r = 0; r < runs; r++) {
      const rawRun = await withCpu(pids, async () => await sender.request<RawResult>({ ...raw, count: size.count }))
      // The CPU window closes when the clock stops, before the integrity checks run.
      const cpuBefore = pids.map(cpuSeconds)
      let cpuUsed: number[] = []
      const ingest = await measureIngest(pair, `ingest ${size.label} run ${r + 1}`, size.bodyBytes, size.count, async () => {
        cpuUsed = pids.map((pid, i) => cpuSeconds(pid) - cpuBefore[i])
      })
      const run: IngestRun = { raw: rawRun.result, ingest, rawCpuUs: perMessage(rawRun.cpu), ingestCpuUs: perMessage(cpuUsed) }
      results.push(run)
      ctx.log(
        `  ingest ${size.label} run ${r + 1}/${runs}: ${Math.round(run.ingest.rate)} msg/s (raw ceiling ${
          Math.round(run.raw.rate)
        } frames/s); CPU per message ${run.ingestCpuUs.map(Math.round).join(' + ')} µs (raw ${run.rawCpuUs.map(Math.round).join(' + ')} µs)`
      )
    }
    const id = size.bodyBytes === 1024 ? 'ingest.1k' : 'ingest.64k'
    const figure = makeFigure({
      id,
      name: `Ingest, ${size.label} bodies`,
      measured:
        `${size.count} messages per run (${probe.envelopeBytes}-byte envelopes), ${INGEST_CONCURRENCY} concurrent senders, window ${info.deliveryWindow}: ` +
        `first send to last verified, recorded receipt; sender and receiver in separate processes`,
      unit: 'msg/s',
      samples: results.map(x => x.ingest.rate),
      ceilingSamples: results.map(x => x.raw.rate),
      ceilingName:
        `raw libp2p request/ack, ${raw.perFrame} × ${probe.envelopeBytes}-byte envelopes per frame (a batch), acks of ${info.ackBytes} bytes per envelope + ` +
        `1200, window ${info.deliveryWindow}, same processes`,
      goal: size.bodyBytes === 1024 ? { op: '>=', value: 10_000 } : { op: '>=', ratio: 0.6 }
    })
    figures.push(figure)
    ctx.figures.set(id, figure)
    const cpuTotal = (x: [number, number]): number => x[0] + x[1]
    if (results.every(x => Number.isFinite(cpuTotal(x.ingestCpuUs)))) {
      const sizeLabel = size.label
      const cpuFigure = makeFigure({
        id: `${id}.cpu`,
        name: `Ingest CPU per message, ${sizeLabel} bodies`,
        measured:
          `CPU time (user + system, all threads) of the sender and receiver processes during the ingest runs above, per message; median per-side split ${
            median(results.map(x => x.ingestCpuUs[0])).toFixed(0)
          } µs sender + ${median(results.map(x => x.ingestCpuUs[1])).toFixed(0)} µs receiver (raw: ${median(results.map(x => x.rawCpuUs[0])).toFixed(0)} + ${
            median(results.map(x => x.rawCpuUs[1])).toFixed(0)
          } µs)`,
        unit: 'µs',
        samples: results.map(x => cpuTotal(x.ingestCpuUs)),
        ceilingSamples: results.map(x => cpuTotal(x.rawCpuUs)),
        ceilingName: 'CPU per message of the raw libp2p request/ack runs above (sender + receiver)',
        ...(size.bodyBytes === 1024 ? { goal: { op: '<=', value: 200 } as const } : {}),
        note: 'the budget (1 KiB): ≤ 200 µs per message for both processes together, i.e. 10,000 msg/s on 2 cores; the ratio says how many times the CPU of ' +
          'moving the bytes a message costs. CPU time is far less sensitive to a loaded machine than the rate'
      })
      figures.push(cpuFigure)
      ctx.figures.set(cpuFigure.id, cpuFigure)
    }
    details[id] = { envelopeBytes: probe.envelopeBytes, receiptBytes: probe.receiptBytes, count: size.count, runs: results }
    rows.push({ group: size.label, series: 'Liaison ingest (msg/s)', value: figure.value as number })
    rows.push({ group: size.label, series: 'raw libp2p ceiling (frames/s)', value: figure.ceiling as number })
  }
  return {
    figures,
    details,
    charts: [{
      file: 'ingest.svg',
      title: 'Ingest rate vs raw libp2p ceiling',
      spec: groupedBars({ title: 'Ingest vs raw libp2p ceiling (median of runs)', rows, yTitle: 'per second' })
    }],
    notes: [`Message bodies are random base64 text (incompressible), so LevelDB's compression does not flatter the write path.`]
  }
}
