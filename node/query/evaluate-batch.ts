/**
 * One batch of the index build (PROTOCOL.md §19.3): each value normalised (or taken as
 * canonical, for a re-key) and evaluated under the OPRF key (RFC 9497 Evaluate). The same
 * function runs inline and in the worker pool (oprf-worker.ts), so both give identical
 * records; outputs come back packed (64 bytes each) so a worker can transfer them.
 *
 * The values are normalised first, then the accepted ones evaluated in one `evaluateMany`
 * call (libsodium's heap, one buffer per batch): byte-identical to `indexOutput` per value,
 * without the wrappers' per-call allocations.
 *
 * A refused value is reported by its position and code, never by its value.
 *
 * @module
 */
import { evaluateMany, MODE, NH, type KeyPair } from '../../protocol/oprf/index.ts'
import { normaliseSelector, selectorInput, SelectorError, type NormaliseOptions } from '../../protocol/selectors/index.ts'

/** A batch to evaluate. */
export interface EvaluateJob {
  readonly type: string
  readonly values: readonly string[]
  /** False: the values are canonical already (a re-key), only evaluated. */
  readonly normalise: boolean
  readonly options?: NormaliseOptions
}

/** Per value: its canonical form (null if refused) and, packed, its output (zeros if refused). */
export interface EvaluateResult {
  readonly canonical: Array<string | null>
  readonly outputs: Uint8Array
  readonly refused: Array<{ index: number, code: string, reason: string }>
}

/** Evaluates one batch on this thread. */
export function evaluateBatch (keys: KeyPair, job: EvaluateJob): EvaluateResult {
  const canonical: Array<string | null> = []
  const refused: EvaluateResult['refused'] = []
  const inputs: Uint8Array[] = []
  const positions: number[] = []
  job.values.forEach((value, i) => {
    try {
      const c = job.normalise ? normaliseSelector(job.type, value, job.options) : value
      canonical.push(c)
      inputs.push(selectorInput(job.type, c))
      positions.push(i)
    } catch (err) {
      if (!(err instanceof SelectorError)) throw err
      canonical.push(null)
      refused.push({ index: i, code: err.code, reason: err.message })
    }
  })
  // indexOutput is Evaluate in VOPRF mode of selectorInput(type, canonical).
  const evaluated = evaluateMany(MODE.voprf, keys.secretKey, inputs)
  if (refused.length === 0) return { canonical, outputs: evaluated, refused }
  const outputs = new Uint8Array(job.values.length * NH)
  positions.forEach((p, k) => outputs.set(evaluated.subarray(k * NH, (k + 1) * NH), p * NH))
  return { canonical, outputs, refused }
}
