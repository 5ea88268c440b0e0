/**
 * The operator's side of task forces (PROTOCOL.md §21): propose a charter, sign or decline a
 * version, amend, leave, dissolve, and look at them. Every action is one store commit: the
 * version and signature records, the `taskforce.charter` audit entry and the notice to the
 * members queued in the outbox together — a crash leaves all of it or none.
 *
 * Nothing here decides validity on its own: the chain and what is in effect come from the
 * stored, signed versions through the pure rules of protocol/taskforce/.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import {
  addSignature,
  allowedSigners,
  encodeCharter,
  memberIds,
  signCharter,
  successorKind,
  checkCharterEnvelope,
  type CharterMember,
  type CharterV1,
  type ChainLink,
  type SignedCharter
} from '../../protocol/taskforce/index.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { isRfc3339Millis } from '../../protocol/time.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import type { Signer, Tlp } from '../../protocol/types.ts'
import { taskForceEvents } from '../audit/events.ts'
import { NodeError } from '../errors.ts'
import type { Outbox } from '../exchange/index.ts'
import type { BatchOp, Store } from '../store/index.ts'
import type { TrustList } from '../trust/index.ts'
import { sendNotice } from './notices.ts'
import { TaskForceRecords } from './records.ts'
import { loadTaskForce, type TaskForceView } from './state.ts'
import { awaiting, chainOf, detailOf, previousOf, summaryOf, type TaskForceDetail, type TaskForceSummary } from './views.ts'

export interface TaskForceComponents {
  store: Store
  trust: TrustList
  signer: Signer
  /** This agency's name and jurisdiction, as its member entry names it. */
  name: string
  jurisdiction?: string
  outbox?: Outbox
  now: () => Date
}

export interface ProposeInput {
  name: string
  purpose: string
  legalBasis: string
  /** The other members' peer IDs (this node is added itself). */
  members: string[]
  topics: string[]
  maxTlp: Tlp
  handling?: string[]
  /** Default: now. */
  validFrom?: string
  validUntil: string
  /** Default: a majority of the members. */
  quorum?: number
}

export interface AmendInput {
  add?: string[]
  remove?: string[]
  name?: string
  purpose?: string
  legalBasis?: string
  topics?: string[]
  maxTlp?: Tlp
  handling?: string[]
  validFrom?: string
  validUntil?: string
  quorum?: number
}

/** A majority of `n` members. */
export const majority = (n: number): number => Math.floor(n / 2) + 1

export class TaskForces {
  private readonly components: TaskForceComponents
  readonly records: TaskForceRecords

  constructor (components: TaskForceComponents) {
    this.components = components
    this.records = new TaskForceRecords(components.store.db)
  }

  private get self (): string {
    return this.components.signer.peerId
  }

  async load (id: string): Promise<TaskForceView | undefined> {
    return await loadTaskForce(this.records, id, this.self, this.components.now().getTime())
  }

  private async view (id: string): Promise<TaskForceView> {
    const v = await this.load(id)
    if (v == null) throw new NodeError('NOT_FOUND', `no task force ${id}`)
    return v
  }

  /** Propose a new task force: version 1, signed by this node, sent to every other member. */
  async propose (input: ProposeInput): Promise<TaskForceDetail> {
    const now = this.components.now()
    const others = [...new Set(input.members)].filter(m => m !== this.self)
    if (others.length === 0) throw new NodeError('BAD_ARGUMENT', 'a task force needs at least one other member (--member PEER)')
    const members = [this.ownMember(), ...others.map(m => this.memberEntry(m))]
    const charter = this.charterOf({
      v: 1,
      id: uuidV7(now.getTime(), randomBytes(10)),
      version: 1,
      previous: null,
      name: input.name,
      purpose: input.purpose,
      legalBasis: input.legalBasis,
      members,
      topics: input.topics,
      maxTlp: input.maxTlp,
      handling: input.handling ?? [],
      validFrom: input.validFrom ?? now.toISOString(),
      validUntil: input.validUntil,
      governance: { quorum: input.quorum ?? majority(members.length) },
      status: 'active',
      proposedBy: this.self,
      proposed: now.toISOString()
    })
    if (Date.parse(charter.validUntil) <= now.getTime()) throw new NodeError('BAD_ARGUMENT', `--until ${charter.validUntil} is not in the future`)
    const signed = checkCharterEnvelope(signCharter(encodeCharter(charter), this.components.signer))
    await this.publish(undefined, signed, 'propose', 'taskforce.proposed')
    return await this.show(charter.id)
  }

  /** Sign the version of task force `id` that awaits this node's signature (or the one named by `digest`). */
  async sign (id: string, digest?: string): Promise<TaskForceDetail> {
    const view = await this.view(id)
    const target = this.signable(view, digest)
    const prev = previousOf(view, target)
    for (const m of memberIds(target.charter)) if (m !== this.self) this.memberEntry(m)
    const signed = checkCharterEnvelope(addSignature(target, this.components.signer), prev != null ? memberIds(prev.charter) : [])
    await this.publish(view, signed, 'sign', 'taskforce.signed')
    return await this.show(id)
  }

  /** Decline the version awaiting this node's signature: recorded, and the members told. */
  async decline (id: string, reason?: string, digest?: string): Promise<TaskForceDetail> {
    const view = await this.view(id)
    const target = this.signable(view, digest)
    const prev = previousOf(view, target)
    const nowMs = this.components.now().getTime()
    const to = allowedSigners(prev, target.charter).filter(m => m !== this.self)
    const ops = [this.records.declineOp(id, target.digest, { peerId: this.self, at: nowMs, ...(reason != null ? { reason } : {}) })]
    const events = [this.event(target, 'taskforce.declined', this.self)]
    await sendNotice(
      this.components,
      { action: 'decline', taskForce: id, charter: target.digest, legalBasis: target.charter.legalBasis, chain: [], to, ...(reason != null ? { reason } : {}) },
      nowMs,
      ops,
      events
    )
    return await this.show(id)
  }

  /** Propose the next version: changes on top of the latest valid one; it needs the current members' quorum. */
  async amend (id: string, changes: AmendInput): Promise<TaskForceDetail> {
    return await this.successor(id, (base) => {
      const removed = new Set(changes.remove ?? [])
      for (const r of removed) if (!memberIds(base).includes(r)) throw new NodeError('BAD_ARGUMENT', `--remove ${r}: not a member`)
      if (removed.has(this.self)) throw new NodeError('BAD_ARGUMENT', 'to take this node out, use `liaison taskforce leave`')
      const added = [...new Set(changes.add ?? [])].filter(a => !memberIds(base).includes(a)).map(a => this.memberEntry(a))
      const members = [...base.members.filter(m => !removed.has(m.peerId)), ...added]
      const next: Partial<CharterV1> = {
        name: changes.name ?? base.name,
        purpose: changes.purpose ?? base.purpose,
        legalBasis: changes.legalBasis ?? base.legalBasis,
        members,
        topics: changes.topics ?? base.topics,
        maxTlp: changes.maxTlp ?? base.maxTlp,
        handling: changes.handling ?? base.handling,
        validFrom: changes.validFrom ?? base.validFrom,
        validUntil: changes.validUntil ?? base.validUntil,
        governance: { quorum: changes.quorum ?? Math.min(base.governance.quorum, members.length) }
      }
      if (Object.entries(next).every(([k, v]) => JSON.stringify(v) === JSON.stringify(base[k as keyof CharterV1]))) {
        throw new NodeError('BAD_ARGUMENT', 'the amendment changes nothing')
      }
      return next
    })
  }

  /** Leave the task force: a version without this node, valid with its own signature alone. */
  async leave (id: string): Promise<TaskForceDetail> {
    return await this.successor(id, (base) => {
      const members = base.members.filter(m => m.peerId !== this.self)
      return { members, governance: { quorum: Math.min(base.governance.quorum, members.length) } }
    })
  }

  /** Propose dissolving the task force: a final version, valid with the current members' quorum. */
  async dissolve (id: string): Promise<TaskForceDetail> {
    return await this.successor(id, () => ({ status: 'dissolved' }))
  }

  /** Sign and send the version after the latest valid one, with `change(latest)` applied. */
  private async successor (id: string, change: (base: CharterV1) => Partial<CharterV1>): Promise<TaskForceDetail> {
    const view = await this.view(id)
    const tip = this.currentTip(view)
    const base = tip.charter
    const next = this.charterOf({
      ...base,
      ...change(base),
      version: base.version + 1,
      previous: tip.digest,
      proposedBy: this.self,
      proposed: this.components.now().toISOString()
    })
    const kind = successorKind(tip, next)
    if (typeof kind !== 'string') throw new NodeError('BAD_ARGUMENT', `not a valid next version: ${kind.problem}`)
    const signed = checkCharterEnvelope(signCharter(encodeCharter(next), this.components.signer), memberIds(base))
    await this.publish(view, signed, 'propose', 'taskforce.proposed')
    return await this.show(id)
  }

  async list (): Promise<TaskForceSummary[]> {
    const out: TaskForceSummary[] = []
    for (const id of await this.records.ids()) {
      const view = await this.load(id)
      if (view != null) out.push(summaryOf(view, this.self))
    }
    return out
  }

  async show (id: string, opts: { history?: boolean } = {}): Promise<TaskForceDetail> {
    return detailOf(await this.view(id), this.self, opts)
  }

  // ---- internals -------------------------------------------------------------------------

  private signable (view: TaskForceView, digest: string | undefined): SignedCharter {
    if (view.effect.state === 'dissolved' || view.effect.state === 'left' || view.effect.state === 'removed') {
      throw new NodeError('TASKFORCE_STATE', `task force ${view.id} is ${view.effect.state} on this node`)
    }
    if (digest == null) {
      const target = awaiting(view, this.self)
      if (target == null) throw new NodeError('TASKFORCE_STATE', `no version of task force ${view.id} awaits this node's signature`)
      return target
    }
    const target = view.signed.get(digest)
    if (target == null) throw new NodeError('NOT_FOUND', `task force ${view.id} has no version ${digest}`)
    if (view.chain.superseded.some(s => s.digest === digest)) {
      throw new NodeError('TASKFORCE_STATE', `version ${target.charter.version} (${digest}) was superseded`)
    }
    if (target.signers.includes(this.self)) throw new NodeError('TASKFORCE_STATE', `this node already signed version ${target.charter.version}`)
    if (!memberIds(target.charter).includes(this.self)) throw new NodeError('TASKFORCE_STATE', `this node is not a member of version ${target.charter.version}`)
    return target
  }

  /** The latest valid version, which this node must be a member of to build on it. */
  private currentTip (view: TaskForceView): ChainLink {
    const tip = view.chain.valid.at(-1)
    if (tip == null) throw new NodeError('TASKFORCE_STATE', `task force ${view.id} has no valid version yet (it awaits the founding signatures)`)
    if (tip.charter.status === 'dissolved') throw new NodeError('TASKFORCE_STATE', `task force ${view.id} is dissolved`)
    if (!memberIds(tip.charter).includes(this.self)) throw new NodeError('TASKFORCE_STATE', `this node is not a member of version ${tip.charter.version}`)
    return tip
  }

  /** Store `signed`, audit `action`, and send the chain up to it to every other allowed signer. */
  private async publish (view: TaskForceView | undefined, signed: SignedCharter, notice: 'propose' | 'sign', action: string): Promise<void> {
    const nowMs = this.components.now().getTime()
    const prev = view != null && signed.charter.previous != null ? view.signed.get(signed.charter.previous) : undefined
    const known = view?.signed.has(signed.digest) === true
    const ops: BatchOp[] = this.records.versionOps(signed, nowMs, known)
    const events = [this.event(signed, action, this.self)]
    const to = allowedSigners(prev, signed.charter).filter(m => m !== this.self)
    await sendNotice(
      this.components,
      { action: notice, taskForce: signed.charter.id, charter: signed.digest, legalBasis: signed.charter.legalBasis, chain: chainOf(view, signed), to },
      nowMs,
      ops,
      events
    )
  }

  private event (s: SignedCharter, action: string, by: string): unknown {
    return taskForceEvents.charter({
      taskForce: s.charter.id,
      version: s.charter.version,
      charter: s.digest,
      previous: s.charter.previous,
      action,
      by,
      signers: s.signers
    })
  }

  private ownMember (): CharterMember {
    return { peerId: this.self, name: this.components.name, ...(this.components.jurisdiction != null ? { jurisdiction: this.components.jurisdiction } : {}) }
  }

  /** A member entry from the trust list: every other member must be a trusted, active peer here. */
  private memberEntry (peerId: string): CharterMember {
    if (peerId === this.self) return this.ownMember()
    const record = this.components.trust.get(peerId)
    if (record == null) throw new NodeError('UNKNOWN_PEER', `member ${peerId} is not on this node's trust list; add the agency first (liaison peers add)`)
    if (record.status !== 'active') {
      throw new NodeError(record.status === 'revoked' ? 'PEER_REVOKED' : 'PEER_SUSPENDED', `member ${record.name} (${peerId}) is ${record.status} on this node`)
    }
    return { peerId, name: record.name.slice(0, 200), ...(record.jurisdiction != null ? { jurisdiction: record.jurisdiction } : {}) }
  }

  private charterOf (value: CharterV1): CharterV1 {
    for (const t of [value.validFrom, value.validUntil]) {
      if (!isRfc3339Millis(t)) throw new NodeError('BAD_ARGUMENT', `${t} is not an RFC 3339 UTC time with milliseconds`)
    }
    try {
      encodeCharter(value)
      return value
    } catch (err) {
      if (err instanceof ProtocolError) throw new NodeError('BAD_ARGUMENT', `charter: ${err.message}`, { cause: err })
      throw err
    }
  }
}
