/**
 * What an operator sees of a task force (`liaison taskforce list|show`, the API): its state on
 * this node, the charter in effect (else the latest), every version with its status, kind,
 * signers and declines, and on request the whole history as charter envelopes. Read-only, from
 * a loaded view (state.ts).
 *
 * @module
 */
import { encodeEnvelope } from '../../protocol/envelope.ts'
import { allowedSigners, memberIds, type CharterV1, type SignedCharter, type TaskForceState, type VersionKind } from '../../protocol/taskforce/index.ts'
import type { Decline } from './records.ts'
import type { TaskForceView } from './state.ts'

export type VersionStatus = 'valid' | 'pending' | 'superseded'

export interface VersionSummary {
  version: number
  digest: string
  status: VersionStatus
  kind: VersionKind | null
  proposedBy: string
  proposed: string
  signers: string[]
  declines: Decline[]
}

export interface TaskForceSummary {
  id: string
  name: string
  /** What the task force is on this node now. */
  state: TaskForceState
  /** The version in effect here (also when expired or not yet valid), else null. */
  version: number | null
  digest: string | null
  /** The highest version this node knows. */
  latest: number
  /** A version this node may sign awaits its signature. */
  awaitingMySignature: boolean
}

export interface TaskForceDetail extends TaskForceSummary {
  /** The charter in effect here, else the latest version known. */
  charter: CharterV1
  versions: VersionSummary[]
  /** With `history`: every charter envelope (base64), version order — verifiable by signatures alone. */
  history?: string[]
}

export function summaryOf (view: TaskForceView, self: string): TaskForceSummary {
  const eff = view.effect.effective
  const latest = latestOf(view)
  return {
    id: view.id,
    name: (eff ?? latest).charter.name,
    state: view.effect.state,
    version: eff?.charter.version ?? null,
    digest: eff?.digest ?? null,
    latest: latest.charter.version,
    awaitingMySignature: awaiting(view, self) != null
  }
}

export function detailOf (view: TaskForceView, self: string, opts: { history?: boolean } = {}): TaskForceDetail {
  const charter = view.effect.effective?.charter ?? latestOf(view).charter
  const valid = new Map(view.chain.valid.map(l => [l.digest, l]))
  const pending = new Set(view.chain.pending.map(p => p.digest))
  const versions = view.versions.map((v): VersionSummary => {
    const s = view.signed.get(v.digest) as SignedCharter
    return {
      version: s.charter.version,
      digest: s.digest,
      status: valid.has(s.digest) ? 'valid' : pending.has(s.digest) ? 'pending' : 'superseded',
      kind: valid.get(s.digest)?.kind ?? null,
      proposedBy: s.charter.proposedBy,
      proposed: s.charter.proposed,
      signers: s.signers,
      declines: v.declines
    }
  }).sort((a, b) => a.version - b.version)
  const detail: TaskForceDetail = { ...summaryOf(view, self), charter, versions }
  if (opts.history === true) detail.history = chainOf(view, undefined).map(b => Buffer.from(b).toString('base64'))
  return detail
}

export function latestOf (view: TaskForceView): SignedCharter {
  return [...view.signed.values()].reduce((a, b) => (b.charter.version > a.charter.version ? b : a))
}

export function previousOf (view: TaskForceView, s: SignedCharter): SignedCharter | undefined {
  return s.charter.previous != null ? view.signed.get(s.charter.previous) : undefined
}

/** The version a signature of `self` would help: valid or pending, in the chain, `self` a member, not yet signed. */
export function awaiting (view: TaskForceView, self: string): SignedCharter | undefined {
  const candidates = [...view.chain.valid, ...view.chain.pending].filter(s =>
    !s.signers.includes(self) && allowedSigners(previousOf(view, s), s.charter).includes(self) && memberIds(s.charter).includes(self)
  )
  return candidates.at(-1)
}

/** The charter envelopes from version 1 to `subject` (or to the tip and any pending version after it). */
export function chainOf (view: TaskForceView | undefined, subject: SignedCharter | undefined): Uint8Array[] {
  const links: SignedCharter[] = [...(view?.chain.valid ?? [])]
  if (subject != null) {
    const at = links.findIndex(l => l.digest === subject.digest || l.charter.version >= subject.charter.version)
    if (at >= 0) links.length = at
    links.push(subject)
  } else if (view != null) {
    links.push(...view.chain.pending)
  }
  return links.map(l => encodeEnvelope(l.envelope))
}
