/**
 * The third-party rule. Intelligence from agency A reaches agency C through B only when A's
 * marking allows it or A consents: TLP:CLEAR and TLP:GREEN without `no-onward-without-consent`
 * may be forwarded freely (within what C's policy accepts); TLP:AMBER, AMBER+STRICT, or that
 * handling code, need A's signed release grant; TLP:RED is never forwardable.
 *
 * @module
 */
import type { Tlp } from '../../protocol/types.ts'

export const NO_ONWARD = 'no-onward-without-consent'

export type ForwardRule = 'free' | 'grant-required' | 'never'

export function forwardRule (msg: { tlp: Tlp, handling: readonly string[] }): ForwardRule {
  if (msg.tlp === 'RED') return 'never'
  if (msg.tlp === 'CLEAR' || msg.tlp === 'GREEN') return msg.handling.includes(NO_ONWARD) ? 'grant-required' : 'free'
  return 'grant-required'
}
