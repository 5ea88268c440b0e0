/**
 * Policy decisions as data: every check a message must pass for one peer in one direction,
 * each with the reason code it fails with. Pure: the caller passes the node policy, the peer's
 * trust record and the time.
 *
 * @module
 */
import type { ReasonCode } from '../../protocol/errors.ts'
import type { MessageKind, Tlp } from '../../protocol/types.ts'
import { ANY_TOPIC, type PeerRecord } from '../store/index.ts'
import type { NodePolicy } from './node-policy.ts'
import { tlpWithin } from './tlp.ts'

export type Direction = 'out' | 'in'

/** What policy looks at in a message. */
export interface PolicySubject {
  tlp: Tlp
  topic: string
  kind: MessageKind
  legalBasis: string
  handling: readonly string[]
}

export interface Check {
  name: string
  ok: boolean
  reason: ReasonCode
  detail: string
}

export type Decision =
  | { decision: 'accept', checks: Check[] }
  | { decision: 'reject', reason: ReasonCode, detail: string, checks: Check[] }

const topicAllowed = (list: readonly string[], topic: string): boolean => list.includes(ANY_TOPIC) || list.includes(topic)

/**
 * Decide for one peer and direction. All checks are evaluated (so `policy check` can explain
 * everything); the first failing one, in the order below, is the decision's reason.
 */
export function decide (policy: NodePolicy, peer: PeerRecord | undefined, subject: PolicySubject, direction: Direction, nowMs: number): Decision {
  const checks: Check[] = []
  const add = (name: string, ok: boolean, reason: ReasonCode, detail: string): void => {
    checks.push({ name, ok, reason, detail })
  }
  const peerUnknownReason: ReasonCode = direction === 'out' ? 'UNKNOWN_PEER' : 'UNKNOWN_SIGNER'

  add('peer known', peer != null, peerUnknownReason, peer != null ? `${peer.name} is on the trust list` : 'not on the trust list')
  if (peer == null) return finish(checks)

  add('peer not revoked', peer.status !== 'revoked', 'PEER_REVOKED', `status ${peer.status}`)
  add('peer not suspended', peer.status !== 'suspended', 'PEER_SUSPENDED', `status ${peer.status}`)

  const agreement = peer.agreements.find(a => a.id === subject.legalBasis)
  const valid = agreement != null && Date.parse(agreement.validFrom) <= nowMs && nowMs <= Date.parse(agreement.validUntil)
  add(
    'agreement valid',
    valid,
    'AGREEMENT_INVALID',
    agreement == null
      ? `no agreement ${subject.legalBasis} with ${peer.name} (has: ${peer.agreements.map(a => a.id).join(', ') || 'none'})`
      : `${agreement.id} valid ${agreement.validFrom} … ${agreement.validUntil}`
  )

  const nodeMax = direction === 'out' ? policy.maxTlpOut : policy.maxTlpIn
  const peerMax = direction === 'out' ? peer.maxTlpOut : peer.maxTlpIn
  add(
    'TLP within node policy',
    tlpWithin(subject.tlp, nodeMax),
    'TLP_NOT_PERMITTED',
    `TLP:${subject.tlp} vs node max${direction === 'out' ? 'Out' : 'In'} TLP:${nodeMax}`
  )
  add(
    'TLP within peer ceiling',
    tlpWithin(subject.tlp, peerMax),
    'TLP_NOT_PERMITTED',
    `TLP:${subject.tlp} vs ${peer.name} max${direction === 'out' ? 'Out' : 'In'} TLP:${peerMax}`
  )

  const nodeTopics = direction === 'out' ? policy.topicsOut : policy.topicsIn
  const peerTopics = direction === 'out' ? peer.topicsOut : peer.topicsIn
  add('topic allowed by node policy', topicAllowed(nodeTopics, subject.topic), 'TOPIC_NOT_PERMITTED', `${subject.topic} vs [${nodeTopics.join(', ')}]`)
  add('topic allowed for peer', topicAllowed(peerTopics, subject.topic), 'TOPIC_NOT_PERMITTED', `${subject.topic} vs ${peer.name} [${peerTopics.join(', ')}]`)

  add(
    'kind allowed',
    policy.kinds.includes(subject.kind) && peer.kinds.includes(subject.kind),
    'KIND_NOT_PERMITTED',
    `${subject.kind} vs node [${policy.kinds.join(', ')}], ${peer.name} [${peer.kinds.join(', ')}]`
  )

  const required = [...(policy.requiredHandling[subject.topic] ?? []), ...(policy.requiredHandling[ANY_TOPIC] ?? [])]
  const missing = required.filter(code => !subject.handling.includes(code))
  add('required handling codes present', missing.length === 0, 'HANDLING_REQUIRED', missing.length === 0 ? 'none missing' : `missing ${missing.join(', ')}`)

  return finish(checks)
}

function finish (checks: Check[]): Decision {
  const failed = checks.find(c => !c.ok)
  return failed == null ? { decision: 'accept', checks } : { decision: 'reject', reason: failed.reason, detail: failed.detail, checks }
}
