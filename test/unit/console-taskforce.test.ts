/**
 * The console's task force logic (web/console/taskforce-checks.ts), known answers: the version
 * awaiting a member's signature is the newest pending one it has neither signed nor declined;
 * the send form's check of a message to a task force gives the node's own verdicts (topic, TLP
 * ceiling, legal basis, sender a member), with the charter's handling codes added, and with the
 * members' policy checks it is sent as the node sends it: when at least one member accepts.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { awaitingVersion, charterDecision, withMembers, type Decision, type VersionInfo } from '../../web/console/taskforce-checks.ts'
import type { CharterV1 } from '../../protocol/taskforce/charter.ts'

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8').trim()
const me = fixture('sender.peer-id.txt')
const other = fixture('recipient.peer-id.txt')

const charter: CharterV1 = {
  v: 1,
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  version: 1,
  previous: null,
  name: 'JIT Rhine',
  purpose: 'a fraud ring',
  legalBasis: 'EU-2024-17',
  members: [{ peerId: me, name: 'Agency A' }, { peerId: other, name: 'Agency B', jurisdiction: 'DE' }],
  topics: ['fraud'],
  maxTlp: 'AMBER',
  handling: ['no-judicial-use-without-consent'],
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: '2027-01-01T00:00:00.000Z',
  governance: { quorum: 2 },
  status: 'active',
  proposedBy: other,
  proposed: '2026-01-01T00:00:00.000Z'
}
const version = (n: number, status: VersionInfo['status'], signers: string[], declines: VersionInfo['declines'] = []): VersionInfo => ({
  version: n,
  digest: String(n).repeat(64),
  status,
  kind: n === 1 ? 'founding' : 'amendment',
  proposedBy: other,
  proposed: charter.proposed,
  signers,
  declines
})

describe('console task force logic', () => {
  it('the awaited version: newest pending one not signed or declined by this node, none unless the node says so', () => {
    const versions = [version(1, 'valid', [me, other]), version(2, 'pending', [other]), version(3, 'pending', [other, me])]
    expect(awaitingVersion({ awaitingMySignature: true, versions }, me)?.version).toBe(2)
    expect(awaitingVersion({ awaitingMySignature: false, versions }, me)).toBeUndefined()
    expect(awaitingVersion({ awaitingMySignature: true, versions: [version(1, 'pending', [other], [{ peerId: me, at: 1 }])] }, me)).toBeUndefined()
    expect(awaitingVersion({ awaitingMySignature: true, versions }, undefined)).toBeUndefined()
  })

  it("a message to the task force: the charter's rule, its handling codes added", () => {
    const ok = { topic: 'fraud', tlp: 'AMBER' as const, legalBasis: 'EU-2024-17', handling: [] }
    expect(charterDecision(charter, me, ok)).toEqual({
      decision: 'accept',
      checks: [{ name: 'task force', ok: true, detail: 'fits version 1 of JIT Rhine; goes to Agency B; handling no-judicial-use-without-consent' }]
    })
    const reasons = [
      [{ ...ok, tlp: 'RED' as const }, "TLP:RED is above the task force's maximum TLP:AMBER"],
      [{ ...ok, topic: 'drugs' }, "topic drugs is not among the task force's topics (fraud)"],
      [{ ...ok, legalBasis: 'EU-2025-1' }, "legal basis EU-2025-1 is not the task force's (EU-2024-17)"]
    ] as const
    for (const [subject, detail] of reasons) {
      expect(charterDecision(charter, me, subject)).toEqual({
        decision: 'reject',
        reason: 'TASKFORCE_NOT_PERMITTED',
        checks: [{ name: 'task force', ok: false, detail, reason: 'TASKFORCE_NOT_PERMITTED' }]
      })
    }
    expect(charterDecision(charter, 'someone-else', ok).checks[0].detail).toMatch(/^the sender someone-else is not a member/)
  })
  it("with the members' policy checks: sent when the charter fits and one member accepts, each refusal shown", () => {
    const yes: Decision = { decision: 'accept', checks: [{ name: 'tlp', ok: true, detail: 'AMBER ≤ AMBER' }] }
    const no: Decision = {
      decision: 'reject',
      reason: 'TOPIC_NOT_ALLOWED',
      checks: [{ name: 'topic', ok: false, detail: 'fraud not allowed', reason: 'TOPIC_NOT_ALLOWED' }]
    }
    const fits = charterDecision(charter, me, { topic: 'fraud', tlp: 'AMBER', legalBasis: 'EU-2024-17', handling: [] })
    expect(withMembers(fits, [['B', yes]])).toEqual({ decision: 'accept', checks: [...fits.checks, { name: 'B: tlp', ok: true, detail: 'AMBER ≤ AMBER' }] })
    const some = withMembers(fits, [['B', yes], ['C', no]])
    expect(some.decision).toBe('accept')
    expect(some.reason).toBe('refused for C (TOPIC_NOT_ALLOWED)')
    expect(some.checks.map(c => `${c.name} ${String(c.ok)}`)).toEqual(['task force true', 'B: tlp true', 'C: topic false'])
    expect(withMembers(fits, [['B', no]])).toMatchObject({ decision: 'reject', reason: 'TOPIC_NOT_ALLOWED' })
    const unfit = charterDecision(charter, me, { topic: 'drugs', tlp: 'AMBER', legalBasis: 'EU-2024-17', handling: [] })
    expect(withMembers(unfit, [['B', yes]])).toMatchObject({ decision: 'reject', reason: 'TASKFORCE_NOT_PERMITTED' })
  })
})
