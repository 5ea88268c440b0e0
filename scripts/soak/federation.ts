/**
 * The soak federation: N real nodes on loopback with random permissions, random traffic for a
 * bounded time, and an independent oracle that says, for every (sender, recipient, message),
 * whether policy lets it through and if not with which reason code and where (refused at send
 * by the sender's node, or rejected by the recipient with a signed receipt).
 *
 * Trust is symmetric in existence (both sides have a record, or neither — a one-sided record
 * is a connection the gater refuses, with no receipt to carry a reason) and in suspension (an
 * agency suspends a relationship, both nodes record it); ceilings, topic lists and agreement
 * validity are drawn independently per side and direction.
 *
 * @module
 */
import type { Tlp } from '../../protocol/types.ts'
import type { PeerInput } from '../../node/trust/trust-list.ts'
import { SOAK_AGREEMENT, type SoakNode } from './soak-node.ts'

export const TLPS: readonly Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED']
export const TOPICS = ['fraud', 'cybercrime', 'drug-trafficking', 'firearms', 'money-laundering'] as const

/** One side's record of a peer, as the oracle knows it. */
export interface Permission {
  suspended: boolean
  agreementValid: boolean
  maxTlpOut: Tlp
  maxTlpIn: Tlp
  topicsOut: string[]
  topicsIn: string[]
}

export interface Federation {
  nodes: SoakNode[]
  /** perm[i][j]: node i's record of node j (undefined: not on i's trust list). */
  perm: Array<Array<Permission | undefined>>
}

export type Verdict = { where: 'delivered' } | { where: 'send' | 'receipt', reason: string }

/** Ceilings lean high and message markings low, so that most traffic is allowed and every refusal reason still shows up. */
const CEILINGS: readonly Tlp[] = ['GREEN', 'AMBER', 'AMBER', 'AMBER+STRICT', 'RED', 'RED']
export const MARKINGS: readonly Tlp[] = ['CLEAR', 'GREEN', 'GREEN', 'AMBER', 'AMBER', 'RED']

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]
const rank = (t: Tlp): number => TLPS.indexOf(t)
const topicOk = (list: readonly string[], topic: string): boolean => list.includes('*') || list.includes(topic)

function randomTopics (): string[] {
  if (Math.random() < 0.6) return ['*']
  const n = 1 + Math.floor(Math.random() * 3)
  return [...new Set(Array.from({ length: n }, () => pick(TOPICS)))]
}

function randomPermission (suspended: boolean): Permission {
  return {
    suspended,
    agreementValid: Math.random() > 0.08,
    maxTlpOut: pick(CEILINGS),
    maxTlpIn: pick(CEILINGS),
    topicsOut: randomTopics(),
    topicsIn: randomTopics()
  }
}

/** What policy says about a message from node s to node r (independent of the node's code). */
export function verdict (fed: Federation, s: number, r: number, tlp: Tlp, topic: string): Verdict {
  const out = fed.perm[s][r]
  if (out == null) return { where: 'send', reason: 'UNKNOWN_PEER' }
  if (out.suspended) return { where: 'send', reason: 'PEER_SUSPENDED' }
  if (!out.agreementValid) return { where: 'send', reason: 'AGREEMENT_INVALID' }
  if (rank(tlp) > rank(out.maxTlpOut)) return { where: 'send', reason: 'TLP_NOT_PERMITTED' }
  if (!topicOk(out.topicsOut, topic)) return { where: 'send', reason: 'TOPIC_NOT_PERMITTED' }
  const inn = fed.perm[r][s]
  if (inn == null) throw new Error('trust must be symmetric in the soak federation')
  if (inn.suspended) throw new Error('suspension must be symmetric in the soak federation')
  if (!inn.agreementValid) return { where: 'receipt', reason: 'AGREEMENT_INVALID' }
  if (rank(tlp) > rank(inn.maxTlpIn)) return { where: 'receipt', reason: 'TLP_NOT_PERMITTED' }
  if (!topicOk(inn.topicsIn, topic)) return { where: 'receipt', reason: 'TOPIC_NOT_PERMITTED' }
  return { where: 'delivered' }
}

/** Draw the trust graph: each pair trusted with probability `density`, suspended with `suspended`. */
export function drawPermissions (n: number, density = 0.35, suspended = 0.1): Federation['perm'] {
  const perm: Federation['perm'] = Array.from({ length: n }, () => Array.from({ length: n }, () => undefined))
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (Math.random() >= density) continue
      const s = Math.random() < suspended
      perm[i][j] = randomPermission(s)
      perm[j][i] = randomPermission(s)
    }
  }
  return perm
}

/** Put the drawn permissions on the running nodes' trust lists through their APIs. */
export async function applyPermissions (fed: Federation): Promise<void> {
  const { nodes, perm } = fed
  await Promise.all(nodes.map(async (node, i) => {
    const api = await node.client()
    for (let j = 0; j < nodes.length; j++) {
      const p = perm[i][j]
      if (p == null) continue
      const other = nodes[j]
      const input: PeerInput = {
        peerId: other.peerId,
        name: other.name,
        addresses: [other.address.replace(/\/p2p\/.*$/, '')],
        agreements: [
          p.agreementValid
            ? { id: SOAK_AGREEMENT, validFrom: '2020-01-01T00:00:00Z', validUntil: '2099-12-31T00:00:00Z' }
            : { id: SOAK_AGREEMENT, validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' }
        ],
        maxTlpOut: p.maxTlpOut,
        maxTlpIn: p.maxTlpIn,
        topicsOut: p.topicsOut,
        topicsIn: p.topicsIn
      }
      await api.addPeer(input)
      if (p.suspended) await api.setPeerStatus(other.peerId, 'suspended')
    }
  }))
}

export { pick }
