/**
 * Property-based fuzzing of the frame decoder and of exchange v2's batches and batch receipts
 * (catalogue: test/helpers/fuzz-properties.ts).
 * A modest budget here; `npm run fuzz` runs at least 100,000 cases per decoder.
 * FUZZ_RUNS=n raises the budget per property for a one-off deep run.
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { propertiesFor } from '../helpers/fuzz-properties.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000)

for (const decoder of ['frame', 'batch', 'batch-receipt']) {
  describe(`fuzz: ${decoder}`, () => {
    for (const p of propertiesFor(decoder)) {
      it(p.name, () => {
        fc.assert(p.property(), { numRuns: Math.ceil(RUNS / (p.cost ?? 1)) })
      })
    }
  })
}
