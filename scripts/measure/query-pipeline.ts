/**
 * Measures the hit/no-hit pipeline against the raw primitive, in one process on one core:
 * raw libsodium ristretto255 scalar multiplications per second; index build (normalise +
 * RFC 9497 Evaluate + LevelDB write, `IndexStore.add`) in selectors per second; query answer
 * (BlindEvaluateBatch with proof) in selectors per second; and a 100-selector query end to end
 * without the network (blind, evaluate with proof, finalise and verify, filter lookup).
 *
 *   npx node scripts/measure/query-pipeline.ts [indexSize]
 *
 * The `npm run bench` item is scripts/bench/query.ts (item 7); this script is the quick look.
 *
 * @module
 */
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, availableParallelism } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { IndexStore } from '../../node/query/index.ts'
import { blindedForWire, blindSelectors, evaluateQuery, finaliseAnswer, hitTag } from '../../protocol/query/index.ts'

const size = Number(process.argv[2] ?? 2000)
const sodium = createRequire(import.meta.url)('libsodium-wrappers-sumo') as {
  ready: Promise<void>,
  crypto_scalarmult_ristretto255: (s: Uint8Array, p: Uint8Array) => Uint8Array,
  crypto_core_ristretto255_from_hash: (h: Uint8Array) => Uint8Array,
  crypto_core_ristretto255_scalar_random: () => Uint8Array
}
await sodium.ready
const s = sodium.crypto_core_ristretto255_scalar_random()
const p = sodium.crypto_core_ristretto255_from_hash(randomBytes(64))
let t = performance.now()
for (let i = 0; i < 2000; i++) sodium.crypto_scalarmult_ristretto255(s, p)
const rawPerSec = 2000 / ((performance.now() - t) / 1000)

const dir = mkdtempSync(join(tmpdir(), 'liaison-measure-'))
const store = await IndexStore.open(join(dir, 'idx'))
const entries = Array.from({ length: size }, (_, i) => ({ value: `+4915${String(100000000 + i)}`, ref: `r${i}` }))
t = performance.now()
await store.add('phone', entries)
const buildPerSec = size / ((performance.now() - t) / 1000)
const filter = new Set<string>()
const peer = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
for await (const out of store.outputs('phone')) filter.add(hitTag(peer, 'phone', out))

const canonical = Array.from({ length: 100 }, (_, i) => `+4915${String(100000000 + i * 7)}`)
const pending0 = blindSelectors('phone', canonical)
t = performance.now()
const rounds = 5
for (let i = 0; i < rounds; i++) evaluateQuery(store.keys, blindedForWire(pending0))
const answerPerSec = (100 * rounds) / ((performance.now() - t) / 1000)

const e2e: number[] = []
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now()
  const pending = blindSelectors('phone', canonical)
  const answer = evaluateQuery(store.keys, blindedForWire(pending))
  finaliseAnswer('phone', peer, store.keys.publicKey, pending, answer, filter)
  e2e.push(performance.now() - t0)
}
await store.close()
rmSync(dir, { recursive: true, force: true })
const cores = availableParallelism()
e2e.sort((a, b) => a - b)
console.log(JSON.stringify(
  {
    rawScalarMultPerSecPerCore: Math.round(rawPerSec),
    cores,
    indexBuildSelectorsPerSec: Math.round(buildPerSec),
    indexBuildVsRawOneCore: +(buildPerSec / rawPerSec).toFixed(2),
    queryAnswerSelectorsPerSec: Math.round(answerPerSec),
    query100EndToEndMsMedian: +e2e[Math.floor(e2e.length / 2)].toFixed(1),
    projectedMinutesFor1MOneCore: +(1e6 / buildPerSec / 60).toFixed(1)
  },
  null,
  2
))
