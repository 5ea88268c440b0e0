/**
 * Forwarding inside a task force (PROTOCOL.md §21.6). A message sent under a charter carries
 * the charter's default handling codes (the sender adds them); passed on by one member to
 * another member of the same task force — in effect on the forwarder's node (and, on receipt,
 * on the recipient's), with originator, forwarder and recipient all members — the task force
 * is the community the originator shared with, so:
 *
 * - TLP:RED is still never forwardable;
 * - TLP:AMBER+STRICT still needs the originator's grant (it is limited to the recipient
 *   organisation);
 * - TLP:CLEAR, GREEN and AMBER are free unless a handling code restricts dissemination
 *   (`no-onward-without-consent`, `originator-only`, `x-…`: the charter's defaults, or the
 *   originator's own) — then a grant is needed, as outside.
 *
 * To anyone outside the task force the usual third-party rule applies unchanged
 * (node/forwarding/rules.ts).
 *
 * @module
 */
import { memberIds } from '../../protocol/taskforce/index.ts'
import type { Tlp } from '../../protocol/types.ts'
import { disseminationCodes, forwardRule, type ForwardRule } from '../forwarding/rules.ts'
import type { TaskForceRecords } from './records.ts'
import { loadTaskForce } from './state.ts'

export interface ForwardSubject {
  from: string
  tlp: Tlp
  handling: readonly string[]
  taskForce?: { id: string, charter: string }
}

/** The rule between members of a task force in effect. */
export function insideForwardRule (msg: { tlp: Tlp, handling: readonly string[] }): ForwardRule {
  if (msg.tlp === 'RED') return 'never'
  if (msg.tlp === 'AMBER+STRICT') return 'grant-required'
  return disseminationCodes(msg.handling).length > 0 ? 'grant-required' : 'free'
}

/** The rule for forwarding `msg` from `forwarder` to `recipient`, as the node of `self` sees the task force. */
export async function forwardRuleFor (
  records: TaskForceRecords,
  self: string,
  msg: ForwardSubject,
  forwarder: string,
  recipient: string,
  nowMs: number
): Promise<ForwardRule> {
  if (msg.taskForce == null) return forwardRule(msg)
  const view = await loadTaskForce(records, msg.taskForce.id, self, nowMs)
  const eff = view?.effect.state === 'in-effect' ? view.effect.effective : undefined
  if (eff == null) return forwardRule(msg)
  const members = memberIds(eff.charter)
  return [msg.from, forwarder, recipient].every(m => members.includes(m)) ? insideForwardRule(msg) : forwardRule(msg)
}
