/**
 * The console's task force logic, pure: the version awaiting this node's signature (what the
 * Sign and Decline buttons act on), and the send form's check of a message to a task force —
 * the task force's rule as the node applies it when it addresses the members
 * (protocol/taskforce messageProblem, with the charter's default handling codes added, as
 * node/taskforce/addressing.ts does) followed by each member's own policy check, as a decision
 * in the shape `policy check` answers.
 *
 * @module
 */
import { messageProblem } from '../../protocol/taskforce/chain.ts'
import type { CharterV1 } from '../../protocol/taskforce/charter.ts'
import type { Tlp } from '../../protocol/types.ts'

/** As node/policy/decide.ts answers and `liaison policy check` prints it: check by check. */
export interface Decision {
  decision: 'accept' | 'reject'
  reason?: string
  checks: Array<{ name: string, ok: boolean, detail: string, reason?: string }>
}

/** One version as GET /v1/taskforces/{id} lists it. */
export interface VersionInfo {
  version: number
  digest: string
  status: 'valid' | 'pending' | 'superseded'
  kind: string | null
  proposedBy: string
  proposed: string
  signers: string[]
  declines: Array<{ peerId: string, at: number, reason?: string }>
}

/** The version `self` is asked to sign: the newest pending one it has neither signed nor declined (none unless the node says one awaits it). */
export function awaitingVersion (d: { awaitingMySignature: boolean, versions: VersionInfo[] }, self: string | undefined): VersionInfo | undefined {
  if (!d.awaitingMySignature || self == null) return undefined
  return d.versions.filter(v => v.status === 'pending' && !v.signers.includes(self) && !v.declines.some(x => x.peerId === self)).at(-1)
}

export interface Subject {
  topic: string
  tlp: Tlp
  legalBasis: string
  handling: string[]
}

/** The task force rule's verdict on a message `self` sends under charter `c` (the version in effect). */
export function charterDecision (c: CharterV1, self: string, subject: Subject): Decision {
  const { handling } = withCharterHandling(c, subject)
  const problem = messageProblem(c, { from: self, to: [], topic: subject.topic, tlp: subject.tlp, legalBasis: subject.legalBasis, handling })
  if (problem != null) {
    return {
      decision: 'reject',
      reason: 'TASKFORCE_NOT_PERMITTED',
      checks: [{ name: 'task force', ok: false, detail: problem, reason: 'TASKFORCE_NOT_PERMITTED' }]
    }
  }
  const to = c.members.filter(m => m.peerId !== self).map(m => m.name).join(', ')
  return {
    decision: 'accept',
    checks: [{
      name: 'task force',
      ok: true,
      detail: `fits version ${c.version} of ${c.name}; goes to ${to}; handling ${handling.length === 0 ? 'none' : handling.join(', ')}`
    }]
  }
}

/**
 * The whole check of a message to a task force, as the node sends it: the charter's rule, then
 * each other member's own policy check (the charter restricts what the agencies may already
 * exchange, it does not replace it). Like the node, it is sent when the charter fits and at least
 * one member's policy accepts; a member whose policy refuses is shown failing (the node reports
 * it refused, with that reason).
 */
export function withMembers (charter: Decision, members: Array<[name: string, decision: Decision]>): Decision {
  const checks = [...charter.checks, ...members.flatMap(([name, d]) => d.checks.map(c => ({ ...c, name: `${name}: ${c.name}` })))]
  if (charter.decision === 'reject') return { ...charter, checks }
  const refused = members.filter(([, d]) => d.decision === 'reject')
  if (refused.length === members.length) return { decision: 'reject', reason: refused[0]?.[1].reason ?? 'RECIPIENT_REFUSED', checks }
  return {
    decision: 'accept',
    ...(refused.length > 0 ? { reason: `refused for ${refused.map(([name, d]) => `${name} (${d.reason ?? ''})`).join(', ')}` } : {}),
    checks
  }
}

/** The subject with the charter's default handling codes added, as the node sends it. */
export function withCharterHandling<S extends { handling: string[] }> (c: CharterV1, subject: S): S {
  return { ...subject, handling: [...new Set([...subject.handling, ...c.handling])] }
}
