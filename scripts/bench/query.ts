/**
 * Item 7 — hit/no-hit queries (PROTOCOL.md §19): index build (normalise + RFC 9497 Evaluate +
 * LevelDB write, `IndexStore.add`) and query answer (BlindEvaluateBatch with one batched DLEQ
 * proof) in selectors per second, each against the raw primitive measured in the same run just
 * before it (libsodium ristretto255 scalar multiplications per second, one thread); the time a
 * 1,000,000-selector index takes at the measured build rate; and a 100-selector query through
 * the pure pipeline (blind, evaluate with proof, verify and finalise, filter lookup) without the
 * network. One thread: the index build does not yet use more than one core.
 *
 * @module
 */
import { createRequire } from 'node:module'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { IndexStore } from '../../node/query/index.ts'
import { blindedForWire, blindSelectors, evaluateQuery, finaliseAnswer, hitTag } from '../../protocol/query/index.ts'
import type { BenchContext, ItemResult } from './context.ts'
import { makeFigure, type Figure } from './figures.ts'
import { median } from './stats.ts'

interface Sodium { ready: Promise<void>, crypto_scalarmult_ristretto255: (s: Uint8Array, p: Uint8Array) => Uint8Array, crypto_core_ristretto255_from_hash: (h: Uint8Array) => Uint8Array, crypto_core_ristretto255_scalar_random: () => Uint8Array }

const PEER = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const phone = (i: number): string => `+4915${String(100000000 + i)}`

async function rawScalarMultPerSec (sodium: Sodium, n: number): Promise<number> {
  const s = sodium.crypto_core_ristretto255_scalar_random()
  const p = sodium.crypto_core_ristretto255_from_hash(randomBytes(64))
  const t = performance.now()
  for (let i = 0; i < n; i++) sodium.crypto_scalarmult_ristretto255(s, p)
  return n / ((performance.now() - t) / 1000)
}

export async function runQuery (ctx: BenchContext, root: string): Promise<ItemResult> {
  const sodium = createRequire(import.meta.url)('libsodium-wrappers-sumo') as Sodium
  await sodium.ready
  const runs = ctx.quick ? 1 : 3
  const size = ctx.quick ? 5_000 : 50_000
  const raw: { build: number[], answer: number[] } = { build: [], answer: [] }
  const build: number[] = []
  const answer: number[] = []
  const e2e: number[] = []
  for (let r = 0; r < runs; r++) {
    const dir = await mkdtemp(join(root, 'query-bench-'))
    const store = await IndexStore.open(join(dir, 'idx'))
    try {
      raw.build.push(await rawScalarMultPerSec(sodium, 2000))
      let t = performance.now()
      await store.add('phone', Array.from({ length: size }, (_, i) => ({ value: phone(i), ref: `r${i}` })))
      build.push(size / ((performance.now() - t) / 1000))
      const filter = new Set<string>()
      for await (const out of store.outputs('phone')) filter.add(hitTag(PEER, 'phone', out))
      const canonical = Array.from({ length: 100 }, (_, i) => phone(i * 2 * (size / 100)))
      const blinded = blindedForWire(blindSelectors('phone', canonical))
      raw.answer.push(await rawScalarMultPerSec(sodium, 2000))
      const rounds = ctx.quick ? 5 : 20
      t = performance.now()
      for (let i = 0; i < rounds; i++) evaluateQuery(store.keys, blinded)
      answer.push((100 * rounds) / ((performance.now() - t) / 1000))
      const times: number[] = []
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now()
        const pending = blindSelectors('phone', canonical)
        const results = finaliseAnswer('phone', PEER, store.keys.publicKey, pending, evaluateQuery(store.keys, blindedForWire(pending)), filter)
        times.push(performance.now() - t0)
        if (results.filter(x => x.hit).length !== 50) throw new Error('query bench: wrong number of hits')
      }
      e2e.push(median(times))
    } finally {
      await store.close()
      await rm(dir, { recursive: true, force: true })
    }
    ctx.log(`  query run ${r + 1}/${runs} done`)
  }
  const figures: Figure[] = [
    makeFigure({ id: 'query.index.build', name: 'Index build (normalise + Evaluate + LevelDB)', measured: `${size} phone selectors per run, batches of 1,000, one thread`, unit: 'selectors/s', samples: build, ceilingSamples: raw.build, ceilingName: 'raw libsodium ristretto255 scalar multiplications per second, one thread (measured just before)', goal: { op: '>=', ratio: 0.8 }, note: 'issue 16 goal: ≥ 0.8 × the primitive-bound rate' }),
    makeFigure({ id: 'query.index.million', name: 'Time to index 1,000,000 selectors at the measured rate', measured: 'derived: 1,000,000 / index build rate (one thread)', unit: 's', samples: build.map(b => 1_000_000 / b), goal: { op: '<=', value: 600 }, note: 'issue 16 goal: ≤ 10 minutes on this 2-core machine' }),
    makeFigure({ id: 'query.answer', name: 'Query answer (BlindEvaluateBatch + batched proof)', measured: '100 blinded selectors per answer, one thread', unit: 'selectors/s', samples: answer, ceilingSamples: raw.answer, ceilingName: 'raw libsodium ristretto255 scalar multiplications per second, one thread (measured just before)' }),
    makeFigure({ id: 'query.e2e.100', name: '100-selector query through the pipeline (no network)', measured: 'blind + evaluate with proof + verify and finalise + filter lookup, median per run', unit: 'ms', samples: e2e, aggregate: 'max', goal: { op: '<=', value: 300 }, note: 'issue 16 goal: ≤ 300 ms end to end; the libp2p round trip and the filter transfer are not included yet' })
  ]
  return { figures, details: { size, runs }, charts: [], notes: ['The index build and the answer run on one thread; the node does not yet spread them over cores.'] }
}
