/**
 * FIRST TLP 2.0 ordering: CLEAR < GREEN < AMBER < AMBER+STRICT < RED.
 *
 * @module
 */
import { TLP_LEVELS, type Tlp } from '../../protocol/types.ts'

export function tlpRank (tlp: Tlp): number {
  return TLP_LEVELS.indexOf(tlp)
}

/** Whether `tlp` is at most `ceiling`. */
export function tlpWithin (tlp: Tlp, ceiling: Tlp): boolean {
  return tlpRank(tlp) <= tlpRank(ceiling)
}

export function isTlp (value: unknown): value is Tlp {
  return typeof value === 'string' && (TLP_LEVELS as readonly string[]).includes(value)
}
