/**
 * Item 3 — fan-out: a 30-node federation on one machine (30 agent processes: one sender that
 * trusts 29 peers, each peer trusting the sender, logs at `error`). One message to 10 and to 29
 * peers: time from `send` to the last verified, recorded receipt, with connections already up
 * (the first, cold message that also dials every peer is reported separately). Then RSS of
 * every idle peer.
 *
 * @module
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Agent, Fleet } from './agents.ts'
import { startFlags } from '../node-driver.ts'
import type { FanoutResult, InboxResult, RssResult } from './agent-api.ts'
import { checkLastRun, IntegrityError, type BenchContext, type ItemResult } from './context.ts'
import { makeFigure, type Figure } from './figures.ts'
import { median, spreadOf } from './stats.ts'
import { groupedBars } from './charts.ts'

const PEERS = 29
const MB = 1024 * 1024

async function inBatches<T> (items: readonly T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn))
}

/**
 * RSS of an empty Node process, and of one that ran a one-line TypeScript file (the type
 * stripper loaded), to say how much of a node's memory is the runtime itself.
 */
export async function baselineRss (scratch: string): Promise<{ plainMB: number, typescriptMB: number }> {
  const run = async (args: string[]): Promise<number> => Number((await promisify(execFile)(process.execPath, args)).stdout.trim()) / MB
  const file = join(scratch, 'rss-probe.ts')
  await writeFile(file, 'const rss: number = process.memoryUsage().rss\nconsole.log(rss)\n')
  return { plainMB: await run(['-e', 'console.log(process.memoryUsage().rss)']), typescriptMB: await run([file]) }
}

export async function runFanout (ctx: BenchContext, root: string): Promise<ItemResult> {
  const runs = ctx.quick ? 2 : 5
  const fleet = new Fleet()
  try {
    const started = performance.now()
    const hub = fleet.add(await Agent.create('hub', root))
    const peers: Agent[] = []
    for (let i = 0; i < PEERS; i++) peers.push(fleet.add(await Agent.create(`peer-${String(i + 1).padStart(2, '0')}`, root)))
    await hub.trust(peers)
    await inBatches(peers, 8, async p => {
      await p.trust([hub])
    })
    await inBatches([hub, ...peers], 6, async a => await a.start({ logLevel: 'error' }))
    const startSeconds = (performance.now() - started) / 1000
    ctx.log(`  fan-out: ${PEERS + 1} nodes up in ${startSeconds.toFixed(1)} s`)
    const fresh = await Promise.all(peers.map(async p => await p.request<RssResult>({ op: 'rss' })))

    const all = peers.map(p => p.peerId)
    const ten = all.slice(0, 10)
    const fan = async (to: string[], what: string): Promise<FanoutResult> => {
      const result = await hub.request<FanoutResult>({ op: 'fanout', to, bodyBytes: 1024 })
      await checkLastRun(hub, what, to.length)
      return result
    }
    const cold = await fan(all, 'fan-out cold')
    const to10: FanoutResult[] = []
    const to29: FanoutResult[] = []
    for (let r = 0; r < runs; r++) {
      to10.push(await fan(ten, `fan-out to 10 run ${r + 1}`))
      to29.push(await fan(all, `fan-out to 29 run ${r + 1}`))
      ctx.log(`  fan-out run ${r + 1}/${runs}: 10 peers ${to10[r].ms.toFixed(1)} ms, 29 peers ${to29[r].ms.toFixed(1)} ms`)
    }
    // Every peer holds exactly the messages addressed to it.
    const inboxes = await Promise.all(peers.map(async p => await p.request<InboxResult>({ op: 'inbox' })))
    inboxes.forEach((inbox, i) => {
      const expected = 1 + runs + (i < 10 ? runs : 0)
      if (inbox.count !== expected || inbox.accepted !== expected) {
        throw new IntegrityError(`fan-out: ${peers[i].name} holds ${inbox.count} messages (accepted ${inbox.accepted}), expected ${expected}`)
      }
    })

    await new Promise(resolve => setTimeout(resolve, ctx.quick ? 1000 : 3000))
    const idle = await Promise.all(peers.map(async p => await p.request<RssResult>({ op: 'rss' })))
    const hubRss = await hub.request<RssResult>({ op: 'rss' })

    const figures: Figure[] = [
      makeFigure({
        id: 'fanout.10',
        name: 'Fan-out to 10 peers',
        measured: `one 1 KiB message to 10 peers (separate processes, connections up): send → last verified, recorded receipt; ${runs} runs`,
        unit: 'ms',
        samples: to10.map(r => r.ms)
      }),
      makeFigure({
        id: 'fanout.29',
        name: 'Fan-out to 29 peers',
        measured: `one 1 KiB message to 29 peers (30-node federation on one machine, connections up): send → last verified, recorded receipt; ${runs} runs`,
        unit: 'ms',
        samples: to29.map(r => r.ms),
        goal: { op: '<', value: 200 }
      }),
      makeFigure({
        id: 'fanout.29.cold',
        name: 'Fan-out to 29 peers, first message (dials every peer)',
        measured: 'the first message after start-up: includes 29 TCP + Noise + yamux connection set-ups',
        unit: 'ms',
        samples: [cold.ms]
      }),
      makeFigure({
        id: 'fanout.rss',
        name: 'RSS per idle node (worst of 29)',
        measured: `resident set size of each of the 29 peers, idle ${
          ctx.quick ? 1 : 3
        } s after the fan-out runs; value is the largest, spread is min–max over the 29 nodes`,
        unit: 'MB',
        samples: idle.map(m => m.rss / MB),
        aggregate: 'max',
        goal: { op: '<=', value: 100 }
      }),
      makeFigure({
        id: 'fanout.rss.fresh',
        name: 'RSS per node just after start (worst of 29)',
        measured: 'resident set size of each peer right after start-up, before any message; value is the largest',
        unit: 'MB',
        samples: fresh.map(m => m.rss / MB),
        aggregate: 'max'
      })
    ]
    for (const f of figures) ctx.figures.set(f.id, f)
    const baseline = await baselineRss(ctx.scratch)
    const breakdown = (key: keyof RssResult): number => median(idle.map(m => m[key] / MB))
    const memory = {
      rss: breakdown('rss'),
      heapTotal: breakdown('heapTotal'),
      heapUsed: breakdown('heapUsed'),
      external: breakdown('external'),
      arrayBuffers: breakdown('arrayBuffers')
    }
    return {
      figures,
      details: {
        nodes: PEERS + 1,
        startSeconds,
        cold: { ms: cold.ms, perRecipientMs: spreadOf(cold.perRecipientMs) },
        to10: to10.map(r => ({ ms: r.ms, firstReceiptMs: spreadOf(r.perRecipientMs).min })),
        to29: to29.map(r => ({ ms: r.ms, firstReceiptMs: spreadOf(r.perRecipientMs).min })),
        idleMemoryMedianMB: memory,
        baselineRssMB: baseline,
        hubRssMB: hubRss.rss / MB
      },
      charts: [{
        file: 'fanout.svg',
        title: 'Fan-out: time to the last receipt',
        spec: groupedBars({
          title: 'One message, time to all receipts (median)',
          yTitle: 'ms',
          rows: [
            { group: '10 peers', series: 'connections up', value: figures[0].value as number },
            { group: '29 peers', series: 'connections up', value: figures[1].value as number },
            { group: '29 peers', series: 'first message (dials)', value: figures[2].value as number }
          ]
        })
      }],
      notes: [
        `Idle peer memory (median over the 29, MB): RSS ${memory.rss.toFixed(1)}, V8 heap ${memory.heapUsed.toFixed(1)} used of ${
          memory.heapTotal.toFixed(1)
        }, external ${memory.external.toFixed(1)} (array buffers ${
          memory.arrayBuffers.toFixed(1)
        }). The nodes run what \`npm start\` runs: the compiled build (dist/), with its Node flags (${
          startFlags().join(' ') || 'none'
        }). For comparison, an empty Node process has an RSS of ${baseline.plainMB.toFixed(1)} MB and one that has run a one-line TypeScript file ${
          baseline.typescriptMB.toFixed(1)
        } MB (the type stripper loaded, as in a node run from its .ts sources); ` +
        "the rest is the node's code, libp2p, LevelDB's native caches and allocator slack."
      ]
    }
  } finally {
    await fleet.stop().catch(() => {
      fleet.kill()
    })
  }
}
