/**
 * Item 5 — cost growth, ingest part: the same 1 KiB ingest into a receiver that already holds
 * 10 k messages and into one that holds 1 M (quick: 100 k), both pre-filled directly through
 * the store (prefill.ts) before their nodes start, the runs interleaved (small, big, big,
 * small, …) so drifting machine load hits both alike, and only the measured receiver running.
 *
 * The big store is filled in two steps (100 k, then on to 1 M; quick: 50 k, then 100 k). At
 * each step, while no node has touched the directory, `atSize` is called — the audit
 * measurements (audit.ts) run there, on stores that hold exactly what was pre-filled.
 *
 * @module
 */
import { Agent, Fleet, type Pair } from './agents.ts'
import { BENCH_LEGAL_BASIS } from './agent-api.ts'
import { measureIngest } from './ingest.ts'
import { prefillInbox, type PrefillResult } from './prefill.ts'
import type { BenchContext, ItemResult } from './context.ts'
import { makeFigure, type Figure } from './figures.ts'
import { lines } from './charts.ts'

/** A stopped data directory holding exactly `messages` pre-filled messages (and nothing else). */
export interface PrefilledDir {
  role: 'small' | 'mid' | 'big'
  messages: number
  dir: string
}

export function growthSizes (quick: boolean): { small: number, mid: number, big: number } {
  return quick ? { small: 10_000, mid: 50_000, big: 100_000 } : { small: 10_000, mid: 100_000, big: 1_000_000 }
}

const fmt = (n: number): string => n >= 1_000_000 ? `${n / 1_000_000} M` : `${n / 1000} k`

export async function runGrowth (ctx: BenchContext, root: string, atSize: (dir: PrefilledDir) => Promise<void>): Promise<ItemResult> {
  const sizes = growthSizes(ctx.quick)
  const runs = ctx.quick ? 1 : 3
  const count = ctx.quick ? 2000 : 10_000
  const fleet = new Fleet()
  const sender = fleet.add(await Agent.create('growth-sender', root))
  const small = fleet.add(await Agent.create('stored-small', root))
  const big = fleet.add(await Agent.create('stored-big', root))
  await sender.trust([small, big])
  await small.trust([sender])
  await big.trust([sender])

  // Each step ends with a full compaction, as a long-running node's store would be (quick mode skips it).
  const prefill = async (receiver: Agent, n: number): Promise<PrefillResult> => {
    let lastPct = -1
    const result = await prefillInbox({
      senderDir: sender.dir,
      receiverDir: receiver.dir,
      count: n,
      bodyBytes: 1024,
      legalBasis: BENCH_LEGAL_BASIS,
      workers: ctx.cores,
      compact: !ctx.quick,
      onProgress: (done, total) => {
        const pct = Math.floor((100 * done) / total / 10) * 10
        if (pct !== lastPct && total >= 100_000) {
          lastPct = pct
          ctx.log(`    prefill ${fmt(total)}: ${pct} %`)
        }
      }
    })
    ctx.log(
      `  pre-filled ${fmt(n)} messages into ${receiver.name} in ${result.seconds.toFixed(1)} s (${Math.round(n / result.seconds)}/s${
        result.compactSeconds > 0.01 ? `, of which compaction ${result.compactSeconds.toFixed(1)} s` : ''
      })`
    )
    return result
  }
  const filled = { small: await prefill(small, sizes.small), mid: undefined as PrefillResult | undefined, big: undefined as PrefillResult | undefined }
  await atSize({ role: 'small', messages: sizes.small, dir: small.dir })
  filled.mid = await prefill(big, sizes.mid)
  await atSize({ role: 'mid', messages: sizes.mid, dir: big.dir })
  filled.big = await prefill(big, sizes.big - sizes.mid)
  await atSize({ role: 'big', messages: sizes.big, dir: big.dir })
  const prefillSeconds = filled.mid.seconds + filled.big.seconds

  const startSeconds: Record<'small' | 'big', number[]> = { small: [], big: [] }
  try {
    await sender.start()
    const agents = { small, big }
    const rates: Record<'small' | 'big', number[]> = { small: [], big: [] }
    for (let r = 0; r < runs; r++) {
      const order: Array<'small' | 'big'> = r % 2 === 0 ? ['small', 'big'] : ['big', 'small']
      for (const which of order) {
        // One receiver at a time: an idle node with a big store is not idle (compactions after
        // open), and must not steal CPU from the other's measurement.
        const receiver = agents[which]
        const t = performance.now()
        await receiver.start()
        startSeconds[which].push((performance.now() - t) / 1000)
        const pair: Pair = { sender, receiver, fleet }
        await measureIngest(pair, `growth warm-up (${which})`, 1024, 500)
        const result = await measureIngest(pair, `growth ingest with ${fmt(sizes[which])} stored, run ${r + 1}`, 1024, count)
        rates[which].push(result.rate)
        await receiver.stop()
      }
      ctx.log(
        `  growth run ${r + 1}/${runs}: ${Math.round(rates.small[r])} msg/s with ${fmt(sizes.small)} stored, ${Math.round(rates.big[r])} msg/s with ${
          fmt(sizes.big)
        }`
      )
    }
    const figures: Figure[] = [
      makeFigure({
        id: 'growth.ingest',
        name: `Ingest with ${fmt(sizes.big)} messages stored`,
        measured: `${count} 1 KiB messages per run into a receiver pre-filled with ${
          fmt(sizes.big)
        } messages (signed, with receipts and audit entries), runs interleaved with the same ingest into one holding ${
          fmt(sizes.small)
        }; only the measured receiver runs (each is started, warmed up with 500 messages, measured and stopped)`,
        unit: 'msg/s',
        samples: rates.big,
        ceilingSamples: rates.small,
        ceilingName: `the same ingest into a receiver holding ${fmt(sizes.small)} messages`,
        goal: { op: '>=', ratio: 0.8 },
        ...(ctx.quick ? { note: `quick mode: ${fmt(sizes.small)} vs ${fmt(sizes.big)} stored (the full run compares 10 k with 1 M)` } : {})
      }),
      makeFigure({
        id: 'growth.start',
        name: `Node start-up with ${fmt(sizes.big)} messages stored`,
        measured: 'time from forking the agent to its node listening (store open, replay filter filled from the id index), once per run',
        unit: 's',
        samples: startSeconds.big,
        ceilingSamples: startSeconds.small,
        ceilingName: `start-up with ${fmt(sizes.small)} stored`
      })
    ]
    for (const f of figures) ctx.figures.set(f.id, f)
    return {
      figures,
      details: { sizes, count, rates, startSeconds, prefill: filled },
      charts: [{
        file: 'growth-ingest.svg',
        title: 'Ingest rate vs messages already stored',
        spec: lines({
          title: 'Ingest rate vs messages stored (each run)',
          xTitle: 'messages already stored (log scale)',
          yTitle: 'msg/s',
          logX: true,
          rows: [...rates.small.map(y => ({ x: sizes.small, series: 'ingest 1 KiB', y })), ...rates.big.map(y => ({ x: sizes.big, series: 'ingest 1 KiB', y }))]
        })
      }],
      notes: [
        `Pre-filling ${fmt(sizes.big)} messages took ${prefillSeconds.toFixed(0)} s (${
          Math.round(sizes.big / prefillSeconds)
        }/s: two Ed25519 signatures and two audit entries per message, built on ${ctx.cores} worker threads, written in unsynced batches${
          ctx.quick ? '; quick mode skips compaction' : ', each step ending with a full compaction'
        }).`
      ]
    }
  } finally {
    await fleet.stop().catch(() => {
      fleet.kill()
    })
  }
}
