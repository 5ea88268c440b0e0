/**
 * The third-party rule. Intelligence from agency A reaches agency C through B only when A's
 * marking allows it or A consents (PROTOCOL.md §10.1 gives every handling code's meaning):
 *
 * - TLP:RED is never forwardable;
 * - TLP:AMBER and AMBER+STRICT need A's signed release grant;
 * - TLP:CLEAR and TLP:GREEN may be forwarded freely (within what C's policy accepts) unless a
 *   handling code restricts dissemination: `no-onward-without-consent`, `originator-only`, or
 *   any agency-defined `x-…` code (a node cannot know what another agency's code means, so it
 *   treats it as the originator's to lift) — then a grant is needed too;
 * - `no-judicial-use-without-consent` and `no-operational-use-without-consent` restrict what
 *   a recipient may do with the content, not who may see it: they never block a forward on
 *   their own, and they reach C unchanged inside A's signed original.
 *
 * B applies this before it signs a forward, and C again on receipt (handle-forward.ts).
 *
 * @module
 */
import type { Tlp } from '../../protocol/types.ts'

export const NO_ONWARD = 'no-onward-without-consent'
export const ORIGINATOR_ONLY = 'originator-only'

export type ForwardRule = 'free' | 'grant-required' | 'never'

/** The handling codes of `handling` that make a forward of CLEAR/GREEN content need the originator's grant. */
export function disseminationCodes (handling: readonly string[]): string[] {
  return handling.filter(code => code === NO_ONWARD || code === ORIGINATOR_ONLY || code.startsWith('x-'))
}

export function forwardRule (msg: { tlp: Tlp, handling: readonly string[] }): ForwardRule {
  if (msg.tlp === 'RED') return 'never'
  if (msg.tlp === 'CLEAR' || msg.tlp === 'GREEN') return disseminationCodes(msg.handling).length > 0 ? 'grant-required' : 'free'
  return 'grant-required'
}
