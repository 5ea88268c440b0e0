/**
 * Item 7 — TAXII ingest: STIX objects per second from a TAXII client's POSTs to A's outbound
 * collection until every object is served by B's inbound collection (paged GETs, resuming
 * with added_after from X-TAXII-Date-Added-Last as OpenCTI's feed does), against plain `send`
 * of the same bundles through A's local API until B's inbox lists them all (polled with
 * `since`), in the same run between the same two node processes (runs interleaved). Both sides
 * poll for what is new, as a client would, not the whole inbox or collection each time, and
 * from the first POST or send on (every 20 ms), as a consumer on a schedule does — not only
 * once the producer is done, which would serve the whole burst after it.
 * Goal: ≥ 0.8 × plain send.
 *
 *     npm run bench -- --only=taxii --quick --out=/tmp/bench-smoke     # a smoke run
 *
 * Where the time goes: with `LIAISON_BENCH_TAXII_PROFILE=DIR` both nodes run under `--cpu-prof`
 * (profiles in DIR, a self-time summary of each printed at the end) and only the TAXII runs are
 * made, so the profiles hold A's POST path and B's receive and paged-GET path and nothing of plain
 * send (with `LIAISON_BENCH_TAXII_PROFILE_PATH=plain`, only plain sends instead, to compare).
 * Such a run's rate is not a figure (the profiler slows both nodes) and none is reported.
 *
 * @module
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ApiClient } from '../../node/api/client.ts'
import { cli, freePort, NodeProcess, until } from '../node-driver.ts'
import type { BenchContext, ItemResult } from './context.ts'
import { untilIdle, withCpu } from './cpu.ts'
import { IntegrityError } from './context.ts'
import { makeFigure } from './figures.ts'
import { summariseProfile, type CpuProfile } from './profile-summary.ts'

const AGREEMENT = 'BENCH-TAXII'
const TAXII = 'application/taxii+json;version=2.1'
const CONCURRENCY = 16
const OBJECTS_PER_BUNDLE = 10

async function must (args: string[]): Promise<string> {
  const res = await cli(args)
  if (res.code !== 0) throw new Error(`liaison ${args.join(' ')}: ${res.stderr}`)
  return res.stdout.trim()
}

function bundleObjects (run: number, n: number): Array<Record<string, unknown>> {
  return Array.from({ length: OBJECTS_PER_BUNDLE }, (_, i) => {
    const hex = (run * 1_000_000 + n * 100 + i).toString(16).padStart(12, '0')
    return {
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--8e2e2d2b-17d4-4cbf-938f-${hex}`,
      created: '2026-01-15T09:30:00.000Z',
      modified: '2026-01-15T09:30:00.000Z',
      name: `bench ${run}/${n}/${i}`,
      indicator_types: ['malicious-activity'],
      pattern: `[ipv4-addr:value = '198.51.100.${i}']`,
      pattern_type: 'stix',
      valid_from: '2026-01-15T09:30:00Z'
    }
  })
}

async function pool (count: number, work: (n: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await work(next++)
  }))
}

/**
 * Runs `produce` for each of `count` bundles (CONCURRENCY at once) while `poll` runs every 20 ms
 * from the start, as a consumer on a schedule does (OpenCTI's feed polls on its interval), until
 * it says everything arrived; ms until the last produce answered and until the poll was done.
 * A failed produce stops the poll and is thrown.
 */
async function produceWhilePolling (
  count: number,
  produce: (n: number) => Promise<void>,
  poll: () => Promise<boolean>,
  what: string
): Promise<{ produced: number, consumed: number }> {
  let aborted = false
  const t = performance.now()
  const consumed = until(async () => aborted || await poll(), 600_000, what, 20)
  try {
    await pool(count, async (n) => {
      if (!aborted) await produce(n)
    })
  } catch (err) {
    aborted = true
    await consumed.catch(() => {})
    throw err
  }
  const produced = performance.now() - t
  await consumed
  return { produced, consumed: performance.now() - t }
}

async function node (root: string, name: string): Promise<{ proc: NodeProcess, peerId: string, address: string }> {
  const dir = join(root, name)
  const port = await freePort()
  const peerId = await must(['init', '--data-dir', dir, '--name', name, '--listen', `/ip4/127.0.0.1/tcp/${port}`])
  return { proc: new NodeProcess(name, dir), peerId, address: `/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}` }
}

export async function runTaxii (ctx: BenchContext, root: string): Promise<ItemResult> {
  const bundles = ctx.quick ? 20 : 400
  const runs = ctx.quick ? 1 : 5
  const a = await node(root, 'a')
  const b = await node(root, 'b')
  for (const [x, y] of [[a, b], [b, a]]) {
    await must([
      'peers',
      'add',
      '--data-dir',
      x.proc.dir,
      '--peer-id',
      y.peerId,
      '--name',
      y.proc.name,
      '--address',
      y.address,
      '--agreement',
      `${AGREEMENT}:2020-01-01:2099-12-31`
    ])
  }
  const profileDir = process.env.LIAISON_BENCH_TAXII_PROFILE
  const spawnOpts = (name: string): { execArgv: string[] } => ({
    execArgv: profileDir == null ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`, '--cpu-prof-interval=200']
  })
  await a.proc.start(['--log-level', 'error'], 30_000, spawnOpts('a'))
  await b.proc.start(['--log-level', 'error'], 30_000, spawnOpts('b'))
  let profiled = false
  try {
    const outbound = await must([
      'taxii',
      'collections',
      'add',
      '--data-dir',
      a.proc.dir,
      '--outbound',
      '--to',
      b.peerId,
      '--topic',
      'bench',
      '--tlp',
      'GREEN',
      '--legal-basis',
      AGREEMENT
    ])
    const inbound = await must(['taxii', 'collections', 'add', '--data-dir', b.proc.dir, '--inbound', '--from', a.peerId, '--topic', 'bench'])
    const pusher = JSON.parse(await must(['taxii', 'clients', 'add', 'pusher', '--data-dir', a.proc.dir, '--collections', `${outbound}:w`, '--json'])) as {
      secret: string
    }
    const puller = JSON.parse(await must(['taxii', 'clients', 'add', 'puller', '--data-dir', b.proc.dir, '--collections', `${inbound}:r`, '--json'])) as {
      secret: string
    }
    const apiA = new ApiClient(a.proc.runtime?.apiUrl as string, (await readFile(join(a.proc.dir, 'api-token'), 'utf8')).trim())
    const apiB = new ApiClient(b.proc.runtime?.apiUrl as string, (await readFile(join(b.proc.dir, 'api-token'), 'utf8')).trim())
    const taxiiA = (a.proc.runtime?.taxiiUrl as string).replace(/taxii2\/$/, 'api1/')
    const taxiiB = (b.proc.runtime?.taxiiUrl as string).replace(/taxii2\/$/, 'api1/')
    const objects = bundles * OBJECTS_PER_BUNDLE
    const plain: number[] = []
    const viaTaxii: number[] = []
    let served = 0
    /** Where a run's time went: until the last POST (send) was answered, and until B served (stored) all. */
    const postedMs: number[] = []
    const taxiiMs: number[] = []
    const postedPlainMs: number[] = []
    /** Objects per CPU-second of both node processes together (every thread), per run. */
    const plainCpu: number[] = []
    const taxiiCpu: number[] = []
    /** CPU ms of A and of B per run. */
    const cpuMs: Array<{ path: 'plain' | 'taxii', a: number, b: number }> = []
    const pids = (): Array<number | undefined> => [a.proc.child?.pid, b.proc.child?.pid]
    /** Runs one measurement once both nodes are idle (earlier runs' compactions done), with its CPU. */
    const measured = async (path: 'plain' | 'taxii', into: number[], fn: () => Promise<void>): Promise<void> => {
      await untilIdle(pids())
      const { cpu } = await withCpu(pids(), fn)
      into.push(objects / (cpu[0] + cpu[1]))
      cpuMs.push({ path, a: Math.round(cpu[0] * 1000), b: Math.round(cpu[1] * 1000) })
    }

    /**
     * What a polling client does (OpenCTI resumes with added_after = X-TAXII-Date-Added-Last):
     * the objects added after `since`, page by page with next; adds their ids to `seen` and
     * returns the last date added. Dates added never go backwards in a collection
     * (node/taxii/indexer.ts), so nothing is missed.
     */
    const pullSince = async (since: number, seen: Set<string>): Promise<number> => {
      let last = since
      let next: string | undefined
      do {
        const q = new URLSearchParams({ limit: '1000', added_after: new Date(since).toISOString(), ...(next != null ? { next } : {}) })
        const res = await fetch(`${taxiiB}collections/${inbound}/objects/?${q.toString()}`, {
          headers: { authorization: `Bearer ${puller.secret}`, accept: TAXII }
        })
        const env = await res.json() as { objects?: Array<{ id: string }>, next?: string, more?: boolean }
        for (const o of env.objects ?? []) seen.add(o.id)
        const added = res.headers.get('x-taxii-date-added-last')
        if (added != null) last = Math.max(last, Date.parse(added))
        next = env.more === true ? env.next : undefined
      } while (next != null)
      return last
    }

    const countServed = async (): Promise<number> => {
      let total = 0
      let next: string | undefined
      do {
        const q = new URLSearchParams({ limit: '1000', ...(next != null ? { next } : {}) })
        const res = await fetch(`${taxiiB}collections/${inbound}/objects/?${q.toString()}`, {
          headers: { authorization: `Bearer ${puller.secret}`, accept: TAXII }
        })
        const env = await res.json() as { objects?: unknown[], next?: string, more?: boolean }
        total += env.objects?.length ?? 0
        next = env.more === true ? env.next : undefined
      } while (next != null)
      return total
    }

    /**
     * The plain consumer, like the TAXII one: B's inbox from `since` (stored at or after), each
     * message's digest into `seen` unless it is in `skip`; returns the latest stored-at seen, so
     * the next poll asks only for what is new.
     */
    const pollInbox = async (since: number, seen: Set<string>, skip: ReadonlySet<string>): Promise<number> => {
      let last = since
      for (const m of await apiB.inbox({ since })) {
        if (m.topic === 'plain' && !skip.has(m.digest)) seen.add(m.digest)
        const at = typeof m.storedAt === 'number' ? m.storedAt : Date.parse(String(m.storedAt))
        if (at > last) last = at
      }
      return last
    }
    const measurePlain = async (run: number): Promise<void> => {
      let cursor = Date.now() - 1000
      const before = new Set<string>()
      cursor = await pollInbox(cursor, before, new Set())
      const seen = new Set<string>()
      const ms = await produceWhilePolling(
        bundles,
        async (n) => {
          await apiA.send({
            to: [b.peerId],
            kind: 'report',
            tlp: 'GREEN',
            topic: 'plain',
            legalBasis: AGREEMENT,
            body: {
              type: 'bundle',
              id: `bundle--5d0092c5-5f74-4287-9642-${(run * 100000 + n).toString(16).padStart(12, '0')}`,
              objects: bundleObjects(2 * run, n)
            }
          })
        },
        async () => {
          cursor = await pollInbox(cursor, seen, before)
          return seen.size >= bundles
        },
        'plain bundles stored at B'
      )
      postedPlainMs.push(ms.produced)
      plain.push(objects / (ms.consumed / 1000))
    }
    const measureTaxii = async (run: number): Promise<void> => {
      const ids = new Set(Array.from({ length: bundles }, (_, n) => bundleObjects(2 * run + 1, n).map(o => o.id as string)).flat())
      const seen = new Set<string>()
      let cursor = Date.now() - 1000
      const ms = await produceWhilePolling(
        bundles,
        async (n) => {
          const res = await fetch(`${taxiiA}collections/${outbound}/objects/`, {
            method: 'POST',
            headers: { authorization: `Bearer ${pusher.secret}`, accept: TAXII, 'content-type': TAXII },
            body: JSON.stringify({ objects: bundleObjects(2 * run + 1, n) })
          })
          if (res.status !== 202) throw new IntegrityError(`taxii: POST answered ${res.status}`)
        },
        async () => {
          cursor = await pullSince(cursor, seen)
          return [...ids].every(id => seen.has(id))
        },
        'TAXII objects served by B'
      )
      postedMs.push(ms.produced)
      viaTaxii.push(objects / (ms.consumed / 1000))
      taxiiMs.push(ms.consumed)
    }
    /** Outside the timed and CPU-counted window: B's collection serves exactly what was posted so far. */
    const checkServed = async (): Promise<void> => {
      const expected = served + objects
      served = await countServed()
      if (served !== expected) throw new IntegrityError(`taxii: B serves ${served} objects, expected ${expected}`)
    }
    // Warm-up (schema compilation, JIT, connections) with one round of each, not counted.
    ctx.log('taxii: warm-up round')
    await measurePlain(1000)
    await measureTaxii(1000)
    await checkServed()
    for (const list of [plain, viaTaxii, postedMs, taxiiMs, postedPlainMs]) list.length = 0
    if (profileDir != null) {
      // LIAISON_BENCH_TAXII_PROFILE_PATH=plain profiles the plain sends instead, for comparison.
      const plainPath = process.env.LIAISON_BENCH_TAXII_PROFILE_PATH === 'plain'
      ctx.log(`taxii: profiling ${runs} ${plainPath ? 'plain send' : 'TAXII'} run(s) only (profiles in ${profileDir})`)
      for (let run = 0; run < runs; run++) {
        if (plainPath) await measurePlain(run)
        else {
          await measureTaxii(run)
          await checkServed()
        }
      }
      profiled = true
      return {
        figures: [],
        details: { bundles, objectsPerBundle: OBJECTS_PER_BUNDLE, profiledRates: plainPath ? plain : viaTaxii, postedMs, taxiiMs, postedPlainMs },
        charts: [],
        notes: []
      }
    }
    for (let run = 0; run < runs; run++) {
      ctx.log(`taxii: run ${run + 1}/${runs}, ${bundles} bundles of ${OBJECTS_PER_BUNDLE} objects`)
      // Alternate the order, so that neither side always runs on a fresher store.
      const plainRun = async (): Promise<void> => await measured('plain', plainCpu, async () => await measurePlain(run))
      const taxiiRun = async (): Promise<void> => {
        await measured('taxii', taxiiCpu, async () => await measureTaxii(run))
        await checkServed()
      }
      if (run % 2 === 0) {
        await plainRun()
        await taxiiRun()
      } else {
        await taxiiRun()
        await plainRun()
      }
    }
    const figure = makeFigure({
      id: 'taxii.ingest',
      name: 'TAXII ingest',
      measured:
        `STIX objects per second from TAXII POSTs on A (${bundles} envelopes of ${OBJECTS_PER_BUNDLE} indicators, ${CONCURRENCY} concurrent) to all of them ` +
        `served by B's inbound collection, against plain send of the same bundles through A's local API until B stored them`,
      unit: 'objects/s',
      samples: viaTaxii,
      ceilingSamples: plain,
      ceilingName: 'plain send of the same bundles',
      goal: { op: '>=', ratio: 0.8 }
    })
    const cpuFigure = makeFigure({
      id: 'taxii.ingest.cpu',
      name: 'TAXII ingest per CPU-second of both nodes (load-independent)',
      measured: 'the same runs: objects per CPU-second both node processes used (all threads, /proc), from the first POST to the last object served',
      unit: 'objects/CPU-s',
      samples: taxiiCpu,
      ceilingSamples: plainCpu,
      ceilingName: 'plain send of the same bundles, per CPU-second of both nodes (from the first send until B listed them all)',
      note: "A's outbound collection's own index (what its clients read back) is brought up to date once POSTs pause (node/taxii/indexer.ts), after " +
        `the window. CPU ms of A / B per run: ${cpuMs.map(c => `${c.path} ${c.a} / ${c.b}`).join(', ')}`
    })
    return {
      figures: [figure, cpuFigure],
      details: { bundles, objectsPerBundle: OBJECTS_PER_BUNDLE, plain, viaTaxii, postedMs, taxiiMs, postedPlainMs, plainCpu, taxiiCpu, cpuMs },
      charts: [],
      notes: []
    }
  } finally {
    await a.proc.stop()
    await b.proc.stop()
    if (profiled && profileDir != null) await printProfiles(ctx, profileDir)
  }
}

/** The self-time summary of each node's main-thread profile (thread 0; workers write their own files). */
async function printProfiles (ctx: BenchContext, dir: string): Promise<void> {
  for (const name of ['a', 'b']) {
    const file = (await readdir(join(dir, name))).find(f => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f))
    if (file === undefined) continue
    const profile = JSON.parse(await readFile(join(dir, name, file), 'utf8')) as CpuProfile
    const summary = summariseProfile(profile, process.cwd(), 25)
    ctx.log(`taxii profile of node ${name} (${join(dir, name, file)}):\n${JSON.stringify(summary, null, 2)}`)
  }
}
