/**
 * `npm run fuzz`: every property of the fuzz catalogue (test/helpers/fuzz-properties.ts) with a
 * deep budget — at least 100,000 cases per decoder, split across that decoder's properties —
 * then a table of cases and time per decoder. Exits 1 if any property fails, printing
 * fast-check's report (counterexample and seed, to replay with --seed).
 *
 *     npm run fuzz
 *     npm run fuzz -- --runs 1000000 --decoder envelope --decoder frame
 *     npm run fuzz -- --seed 42
 *
 * @module
 */
import { parseArgs } from 'node:util'
import fc from 'fast-check'
import { DECODERS, propertiesFor } from '../test/helpers/fuzz-properties.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    decoder: { type: 'string', multiple: true },
    seed: { type: 'string' }
  }
})

const runsPerDecoder = Number(values.runs)
if (!Number.isSafeInteger(runsPerDecoder) || runsPerDecoder < 1) throw new TypeError('--runs must be a positive integer')
const decoders = values.decoder ?? [...DECODERS]
const unknown = decoders.filter(d => !DECODERS.includes(d))
if (unknown.length > 0) throw new TypeError(`unknown decoder(s) ${unknown.join(', ')}; known: ${DECODERS.join(', ')}`)
const seed = values.seed === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(values.seed)

console.log(`fuzzing ${decoders.length} decoders, ≥ ${runsPerDecoder.toLocaleString('en')} cases each, seed ${seed}\n`)
const rows: Array<{ decoder: string, properties: number, cases: number, ms: number, failed: number }> = []
const started = performance.now()
let failures = 0

for (const decoder of decoders) {
  const properties = propertiesFor(decoder)
  const perProperty = Math.ceil(runsPerDecoder / properties.length)
  const t0 = performance.now()
  let cases = 0
  let failed = 0
  for (const p of properties) {
    // Every property in the catalogue is synchronous, so check() returns its details directly.
    const details = fc.check(p.property(), { numRuns: perProperty, seed }) as fc.RunDetails<unknown[]>
    cases += details.numRuns
    if (details.failed) {
      failed++
      console.log(`FAIL ${decoder}: ${p.name}\n${fc.defaultReportMessage(details) ?? ''}\n`)
    }
  }
  failures += failed
  const ms = performance.now() - t0
  rows.push({ decoder, properties: properties.length, cases, ms, failed })
  console.log(
    `${failed === 0 ? 'ok  ' : 'FAIL'} ${decoder.padEnd(12)} ${cases.toLocaleString('en').padStart(10)} cases  ${
      `${properties.length} propert${properties.length === 1 ? 'y' : 'ies'}`.padEnd(12)
    }  ${(ms / 1000).toFixed(1).padStart(6)} s`
  )
}

const total = rows.reduce((sum, r) => sum + r.cases, 0)
const seconds = (performance.now() - started) / 1000
console.log(
  `\n${total.toLocaleString('en')} cases over ${rows.length} decoders in ${seconds.toFixed(1)} s; ${
    failures === 0 ? 'no failures' : `${failures} failing properties`
  }`
)
process.exitCode = failures === 0 ? 0 : 1
