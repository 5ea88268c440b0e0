/**
 * RFC 9497 §3.1 mode identifiers and the domain-separation tags derived from the context string
 * "OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ "ristretto255-SHA512".
 *
 * @module
 */
import { concat, i2osp } from './group.ts'

/** The three RFC 9497 modes. */
export const MODE = { oprf: 0, voprf: 1, poprf: 2 } as const
export type Mode = typeof MODE[keyof typeof MODE]

/** The suite identifier. */
export const SUITE_ID = 'ristretto255-SHA512'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** The DSTs of one mode. */
export interface ModeContext {
  readonly mode: Mode
  readonly contextString: Uint8Array
  readonly hashToGroupDst: Uint8Array
  readonly hashToScalarDst: Uint8Array
  readonly deriveKeyPairDst: Uint8Array
  readonly seedDst: Uint8Array
}

function build (mode: Mode): ModeContext {
  const contextString = concat(text('OPRFV1-'), i2osp(mode, 1), text('-' + SUITE_ID))
  return {
    mode,
    contextString,
    hashToGroupDst: concat(text('HashToGroup-'), contextString),
    hashToScalarDst: concat(text('HashToScalar-'), contextString),
    deriveKeyPairDst: concat(text('DeriveKeyPair'), contextString),
    seedDst: concat(text('Seed-'), contextString)
  }
}

/** Contexts by mode. */
export const CONTEXT: Readonly<Record<Mode, ModeContext>> = { 0: build(0), 1: build(1), 2: build(2) }

/** Fixed labels of the RFC's transcripts. */
export const LABEL = {
  finalize: text('Finalize'),
  challenge: text('Challenge'),
  composite: text('Composite'),
  info: text('Info')
} as const
