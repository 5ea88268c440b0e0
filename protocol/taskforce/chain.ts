/**
 * The governance rules of a task force (PROTOCOL.md §21.3), pure: which versions of a charter
 * are valid, and which one is in effect on a given member's node at a given time.
 *
 * - **Founding** (version 1): valid once `governance.quorum` of its members signed it, the
 *   proposer among them.
 * - **Amendment** (any other change): valid once `quorum` of the *previous* version's members
 *   (and quorum) signed it, the proposer (a previous member) among them.
 * - **Leave**: the previous version without its proposer (quorum lowered to the members left
 *   if need be, nothing else changed), valid with the leaver's signature alone.
 * - **Dissolution**: status `dissolved`, valid like an amendment; nothing follows it.
 *
 * Of the candidates for the next version, the first valid one (in the order the caller lists
 * them, i.e. as received) extends the chain; candidates not yet valid are pending; those that
 * build on another version are superseded.
 *
 * A valid version takes effect on member N's node once N signed it; a leave, a dissolution and
 * a version that removes N take effect without N (they only take something away from N). A
 * later version that lists N again makes N a member anew: in effect on N's node once N signs it.
 *
 * @module
 */
import { TLP_LEVELS, type Tlp } from '../types.ts'
import { memberIds, type CharterV1 } from './charter.ts'
import type { SignedCharter } from './signatures.ts'

export type VersionKind = 'founding' | 'amendment' | 'leave' | 'dissolution'

export interface ChainLink extends SignedCharter {
  kind: VersionKind
}

export interface Chain {
  /** Valid versions, version 1 first, each building on the one before. */
  valid: ChainLink[]
  /** Versions that build on the latest valid one but lack signatures (or are not yet well-formed successors). */
  pending: SignedCharter[]
  /** Versions that build on anything else: a competing version won, or their predecessor is unknown. */
  superseded: SignedCharter[]
}

export type TaskForceState = 'in-effect' | 'awaiting-signatures' | 'not-yet-valid' | 'expired' | 'dissolved' | 'removed' | 'left'

export interface Effect {
  state: TaskForceState
  /** The version in effect on this node (also when it is expired or not yet valid). */
  effective?: ChainLink
}

/** Fields a leave keeps unchanged from the version before. */
const KEPT_BY_LEAVE = ['id', 'name', 'purpose', 'legalBasis', 'topics', 'maxTlp', 'handling', 'validFrom', 'validUntil', 'status'] as const

/**
 * Why `next` cannot follow `prev` (structure only, no signatures), or its kind. `prev` is
 * undefined for a founding version.
 */
export function successorKind (prev: SignedCharter | undefined, next: CharterV1): VersionKind | { problem: string } {
  if (prev == null) {
    if (next.version !== 1) return { problem: `version ${next.version} without its predecessor` }
    if (!memberIds(next).includes(next.proposedBy)) return { problem: 'the proposer is not a member' }
    if (next.status !== 'active') return { problem: 'a founding version cannot be dissolved' }
    if (next.members.length < 2) return { problem: 'a task force has at least two members' }
    return 'founding'
  }
  const p = prev.charter
  if (next.id !== p.id) return { problem: 'another task force' }
  if (next.version !== p.version + 1 || next.previous !== prev.digest) return { problem: `does not follow version ${p.version}` }
  if (p.status === 'dissolved') return { problem: 'the task force is dissolved' }
  const before = memberIds(p)
  if (!before.includes(next.proposedBy)) return { problem: 'the proposer is not a current member' }
  const after = memberIds(next)
  const isLeave = after.length === before.length - 1 && !after.includes(next.proposedBy) &&
    before.filter(m => m !== next.proposedBy).every((m, i) => after[i] === m) &&
    KEPT_BY_LEAVE.every(k => JSON.stringify(next[k]) === JSON.stringify(p[k])) &&
    next.members.every(m => JSON.stringify(m) === JSON.stringify(p.members.find(x => x.peerId === m.peerId))) &&
    next.governance.quorum === Math.min(p.governance.quorum, after.length)
  if (isLeave) return 'leave'
  if (after.length < 2 && next.status === 'active') return { problem: 'a task force has at least two members (a last member dissolves it)' }
  return next.status === 'dissolved' ? 'dissolution' : 'amendment'
}

/** Whether `next` (of `kind`) bears the signatures the governance of `prev` requires. */
export function quorumMet (prev: SignedCharter | undefined, next: SignedCharter, kind: VersionKind): boolean {
  const signed = new Set(next.signers)
  if (!signed.has(next.charter.proposedBy)) return false
  if (kind === 'leave') return true
  const voters = memberIds(prev?.charter ?? next.charter)
  const quorum = (prev?.charter ?? next.charter).governance.quorum
  return voters.filter(m => signed.has(m)).length >= quorum
}

/** The members whose signatures may appear on `next`: its own and, for a successor, the previous version's. */
export function allowedSigners (prev: SignedCharter | undefined, next: CharterV1): string[] {
  return [...new Set([...memberIds(next), ...(prev != null ? memberIds(prev.charter) : [])])]
}

/** Orders the known versions of one task force into its chain (see the module header). */
export function buildChain (versions: readonly SignedCharter[]): Chain {
  const valid: ChainLink[] = []
  const used = new Set<string>()
  for (;;) {
    const tip = valid.at(-1)
    let found: ChainLink | undefined
    for (const v of versions) {
      if (used.has(v.digest)) continue
      const kind = successorKind(tip, v.charter)
      if (typeof kind !== 'string' || !quorumMet(tip, v, kind)) continue
      found = { ...v, kind }
      break
    }
    if (found == null) break
    valid.push(found)
    used.add(found.digest)
  }
  const tip = valid.at(-1)
  const pending: SignedCharter[] = []
  const superseded: SignedCharter[] = []
  for (const v of versions) {
    if (used.has(v.digest)) continue
    if (typeof successorKind(tip, v.charter) === 'string') pending.push(v)
    else superseded.push(v)
  }
  return { valid, pending, superseded }
}

/** What the chain means on the node of member `self` at `nowMs`. */
export function effectOn (valid: readonly ChainLink[], self: string, nowMs: number): Effect {
  let effective: ChainLink | undefined
  let member = false
  // The version that took `self` out, until a later one lists it again.
  let gone: Effect | undefined
  for (const link of valid) {
    const inIt = memberIds(link.charter).includes(self)
    if (!inIt) {
      if (member) {
        gone = { state: link.kind === 'leave' && link.charter.proposedBy === self ? 'left' : 'removed', effective: link }
        member = false
        effective = undefined
      }
      continue
    }
    // Listed again after being taken out: a member anew, bound only once it signs.
    gone = undefined
    member = true
    if (link.kind === 'dissolution') return { state: 'dissolved', effective: link }
    if (link.signers.includes(self) || (link.kind === 'leave' && effective != null && effective.digest === link.charter.previous)) effective = link
  }
  if (gone != null) return gone
  if (effective == null) return { state: 'awaiting-signatures' }
  const { validFrom, validUntil } = effective.charter
  if (nowMs < Date.parse(validFrom)) return { state: 'not-yet-valid', effective }
  if (nowMs > Date.parse(validUntil)) return { state: 'expired', effective }
  return { state: 'in-effect', effective }
}

/** What a charter looks at in a message sent under it. */
export interface CharterSubject {
  from: string
  to: readonly string[]
  topic: string
  tlp: Tlp
  legalBasis: string
  handling: readonly string[]
}

/**
 * Why a message does not fit a charter in effect (undefined: it fits): sender and recipients
 * members, topic listed, TLP at most `maxTlp`, the charter's legal basis, its default handling
 * codes carried.
 */
export function messageProblem (c: CharterV1, m: CharterSubject): string | undefined {
  const members = new Set(memberIds(c))
  if (!members.has(m.from)) return `the sender ${m.from} is not a member of task force ${c.id} (version ${c.version})`
  const outsider = m.to.find(r => !members.has(r))
  if (outsider != null) return `recipient ${outsider} is not a member of task force ${c.id} (version ${c.version})`
  if (!c.topics.includes(m.topic)) return `topic ${m.topic} is not among the task force's topics (${c.topics.join(', ')})`
  if (TLP_LEVELS.indexOf(m.tlp) > TLP_LEVELS.indexOf(c.maxTlp)) return `TLP:${m.tlp} is above the task force's maximum TLP:${c.maxTlp}`
  if (m.legalBasis !== c.legalBasis) return `legal basis ${m.legalBasis} is not the task force's (${c.legalBasis})`
  const missing = c.handling.filter(h => !m.handling.includes(h))
  if (missing.length > 0) return `the task force's handling codes ${missing.join(', ')} are missing`
  return undefined
}
