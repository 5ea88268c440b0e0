/**
 * The pure steps of a hit/no-hit query (PROTOCOL.md §19), VOPRF mode of RFC 9497:
 *
 * 1. asking node: `blindSelectors` — canonical selectors → blinded elements (sent) and blinds
 *    (kept);
 * 2. answering node: `evaluateQuery` — evaluations under its published OPRF key and one batched
 *    DLEQ proof; it sees only uniformly random group elements;
 * 3. asking node: `finaliseAnswer` — checks the proof against the key pinned from the
 *    answering node's trust card (BAD_PROOF otherwise), finalises, and tests each output's tag
 *    against the hit filter it holds from that node.
 *
 * The answering node indexes with `indexOutput` (RFC 9497 Evaluate), which gives the same
 * outputs as step 3.
 *
 * @module
 */
import { encodeBase64, tryDecodeBase64 } from '../base64.ts'
import { ProtocolError } from '../errors.ts'
import { blind, evaluate, GroupError, MODE, voprfBlindEvaluate, voprfFinalize, type KeyPair } from '../oprf/index.ts'
import { selectorInput } from '../selectors/index.ts'
import { hitTag } from './tags.ts'

/** What the asking node keeps between sending a query and reading its answer. */
export interface PendingSelector {
  readonly canonical: string
  readonly blind: Uint8Array
  readonly blinded: Uint8Array
}

/** Step 1. */
export function blindSelectors (type: string, canonical: readonly string[]): PendingSelector[] {
  return canonical.map((c) => ({ canonical: c, ...blind(MODE.voprf, selectorInput(type, c)) }))
}

/** The blinded elements as the query carries them. */
export function blindedForWire (pending: readonly PendingSelector[]): string[] {
  return pending.map((p) => encodeBase64(p.blinded))
}

/** Step 2: SCHEMA_INVALID for an element that is not a valid non-identity point. */
export function evaluateQuery (keys: KeyPair, blinded: readonly string[]): { evaluated: string[], proof: string } {
  try {
    const ev = voprfBlindEvaluate(keys, blinded.map((b) => tryDecodeBase64(b) ?? new Uint8Array()))
    return { evaluated: ev.evaluated.map(encodeBase64), proof: encodeBase64(ev.proof!) }
  } catch (e) {
    if (e instanceof GroupError) throw new ProtocolError('SCHEMA_INVALID', `query: a blinded element is invalid (${e.message})`)
    throw e
  }
}

/** One selector's result. */
export interface SelectorResult {
  readonly canonical: string
  readonly hit: boolean
  /** The hit reference (the tag), for a follow-up; null on no-hit. */
  readonly hitRef: string | null
}

/**
 * Step 3 up to the tags: checks the proof against `publicKey` (the OPRF key pinned from the
 * answering node's card), finalises, and returns each output's hit tag for `self` (this
 * node's peer ID), in order. BAD_PROOF if the proof does not hold or the counts differ.
 */
export function finaliseTags (
  type: string,
  self: string,
  publicKey: Uint8Array,
  pending: readonly PendingSelector[],
  answer: { evaluated: readonly string[], proof: string }
): string[] {
  if (answer.evaluated.length !== pending.length) {
    throw new ProtocolError('BAD_PROOF', `the answer has ${answer.evaluated.length} evaluations for ${pending.length} selectors`)
  }
  let outputs: Uint8Array[]
  try {
    outputs = voprfFinalize(
      publicKey,
      pending.map((p, i) => ({
        input: selectorInput(type, p.canonical),
        blind: p.blind,
        blinded: p.blinded,
        evaluated: tryDecodeBase64(answer.evaluated[i]) ?? new Uint8Array()
      })),
      tryDecodeBase64(answer.proof) ?? new Uint8Array()
    )
  } catch (e) {
    if (e instanceof GroupError) throw new ProtocolError('BAD_PROOF', "the answer's VOPRF proof does not hold under the pinned OPRF key")
    throw e
  }
  return outputs.map((o) => hitTag(self, type, o))
}

/** Step 3 with a filter in memory: `finaliseTags`, then each tag tested against `filter`. */
export function finaliseAnswer (
  type: string,
  self: string,
  publicKey: Uint8Array,
  pending: readonly PendingSelector[],
  answer: { evaluated: readonly string[], proof: string },
  filter: ReadonlySet<string>
): SelectorResult[] {
  const tags = finaliseTags(type, self, publicKey, pending, answer)
  return pending.map((p, i) => {
    const hit = filter.has(tags[i])
    return { canonical: p.canonical, hit, hitRef: hit ? tags[i] : null }
  })
}

/** The answering node's index entry for one of its own canonical selectors, for one peer. */
export function indexOutput (keys: KeyPair, type: string, canonical: string): Uint8Array {
  return evaluate(MODE.voprf, keys.secretKey, selectorInput(type, canonical))
}

export { hitTag }
