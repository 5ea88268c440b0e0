/**
 * Messages to and from a task force (PROTOCOL.md §21.5). The sender addresses every current
 * member on whose node the same charter version is in effect — it can tell from the signatures
 * it holds, by the same rules each member's node applies — and names that version's digest in
 * the message; a member on whose node another version (or none) is in effect is reported as
 * refused with TASKFORCE_NOT_PERMITTED, not sent to. The receiver accepts only a message that
 * names the version in effect on its own node and fits it.
 *
 * @module
 */
import { effectOn, messageProblem, memberIds, type CharterSubject, type CharterV1 } from '../../protocol/taskforce/index.ts'
import type { ReasonCode } from '../../protocol/errors.ts'
import { NodeError } from '../errors.ts'
import type { TaskForceRecords } from './records.ts'
import { loadTaskForce } from './state.ts'

export interface TaskForceRef {
  id: string
  charter: string
}

export interface Addressing {
  ref: TaskForceRef
  charter: CharterV1
  /** Members to send to. */
  to: string[]
  /** Members not sent to, and why. */
  refused: Array<{ peerId: string, status: 'refused', reason: ReasonCode, detail: string }>
  /** The message's handling codes with the charter's default codes added. */
  handling: string[]
}

/** Whom a message under task force `id` goes to, or TASKFORCE_NOT_PERMITTED (NOT_FOUND for an unknown task force). */
export async function addressTaskForce (
  records: TaskForceRecords,
  self: string,
  id: string,
  subject: Omit<CharterSubject, 'from' | 'to'>,
  nowMs: number
): Promise<Addressing> {
  const view = await loadTaskForce(records, id, self, nowMs)
  if (view == null) throw new NodeError('NOT_FOUND', `no task force ${id}`)
  const eff = view.effect.effective
  if (view.effect.state !== 'in-effect' || eff == null) {
    throw new NodeError(
      'TASKFORCE_NOT_PERMITTED',
      `task force ${id} is ${view.effect.state} on this node${
        eff != null ? ` (version ${eff.charter.version}: ${eff.charter.validFrom} … ${eff.charter.validUntil})` : ''
      }`
    )
  }
  const handling = [...new Set([...subject.handling, ...eff.charter.handling])]
  const problem = messageProblem(eff.charter, { ...subject, handling, from: self, to: [] })
  if (problem != null) throw new NodeError('TASKFORCE_NOT_PERMITTED', problem)
  const to: string[] = []
  const refused: Addressing['refused'] = []
  for (const m of memberIds(eff.charter)) {
    if (m === self) continue
    const there = effectOn(view.chain.valid, m, nowMs)
    if (there.state === 'in-effect' && there.effective?.digest === eff.digest) to.push(m)
    else {
      refused.push({
        peerId: m,
        status: 'refused',
        reason: 'TASKFORCE_NOT_PERMITTED',
        detail: there.effective != null && there.effective.digest !== eff.digest
          ? `version ${there.effective.charter.version} is in effect on its node, not ${eff.charter.version}`
          : `the task force is ${there.state} on its node (it has not signed version ${eff.charter.version})`
      })
    }
  }
  return { ref: { id, charter: eff.digest }, charter: eff.charter, to, refused, handling }
}

/** Why this node refuses a message sent under `ref` (undefined: the charter in effect here admits it). */
export async function taskForceRefusal (
  records: TaskForceRecords,
  self: string,
  ref: TaskForceRef,
  m: CharterSubject,
  nowMs: number
): Promise<string | undefined> {
  const view = await loadTaskForce(records, ref.id, self, nowMs)
  if (view == null) return `this node knows no task force ${ref.id}`
  const eff = view.effect.effective
  if (view.effect.state !== 'in-effect' || eff == null) return `task force ${ref.id} is ${view.effect.state} on this node`
  if (eff.digest !== ref.charter) {
    const named = view.signed.get(ref.charter)
    return `the message names ${
      named != null ? `version ${named.charter.version}` : `an unknown charter ${ref.charter}`
    }; version ${eff.charter.version} is in effect on this node`
  }
  return messageProblem(eff.charter, m)
}
