/**
 * Inbound task force notices (PROTOCOL.md §21.4): a member proposes a version, adds its
 * signature, or declines. Checked like any envelope first (the receiver verified the sender's
 * signature; here: `from`, freshness, addressing, the sender active on the trust list), then:
 *
 * - every charter in the chain is opened and every signature on it verified against the key
 *   in its signer's peer ID, each version against the members of the one before; one bad
 *   signature refuses the whole notice (BAD_SIGNATURE), as does a broken chain (SCHEMA_INVALID);
 * - the version the notice is about must be the chain's last, name this node among the members
 *   of it or of the version before (else NOT_ADDRESSED), and bear the sender's own signature;
 * - the versions are stored with every signature not held yet (records are only added to), and
 *   each version that gained signatures gets a `taskforce.charter` entry (`taskforce.received`).
 *
 * Nothing here puts a version into effect: that follows from the stored signatures (state.ts).
 *
 * @module
 */
import { ProtocolError } from '../../protocol/errors.ts'
import {
  allowedSigners,
  memberIds,
  openHistory,
  parseCharter,
  parseNotice,
  type SignedCharter,
  type TaskForceNoticeV1
} from '../../protocol/taskforce/index.ts'
import { taskForceEvents } from '../audit/events.ts'
import { checkEnvelopeHeader, refuse, type Admission, type Incoming } from '../exchange/admission.ts'
import type { BatchOp } from '../store/index.ts'
import { noticeMeta } from './notices.ts'
import { TaskForceRecords } from './records.ts'

export async function handleTaskForceNotice (incoming: Incoming): Promise<Admission> {
  let n: TaskForceNoticeV1
  try {
    n = parseNotice(incoming.env.payload)
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID')
  }
  const header = checkEnvelopeHeader(n, incoming)
  if (header != null) return header
  const peer = incoming.trust.get(n.from)
  if (peer == null) return refuse('UNKNOWN_SIGNER', n.id)
  if (peer.status !== 'active') return refuse(peer.status === 'revoked' ? 'PEER_REVOKED' : 'PEER_SUSPENDED', n.id)
  const records = new TaskForceRecords(incoming.store.db)
  const known = new Map((await records.list(n.taskForce)).map(v => [v.digest, v]))
  const self = incoming.self.peerId

  if (n.action === 'decline') {
    const v = known.get(n.charter)
    if (v == null) return refuse('NOT_ADDRESSED', n.id, `no charter ${n.charter} of task force ${n.taskForce} here`)
    const c = parseCharter(v.envelope.payload)
    const before = c.previous != null ? known.get(c.previous) : undefined
    const voters = [...memberIds(c), ...(before != null ? memberIds(parseCharter(before.envelope.payload)) : [])]
    if (!voters.includes(n.from)) return refuse('NOT_ADDRESSED', n.id, 'the sender is not a member of that version or the one before')
    return admit(n, incoming, c.legalBasis, [
      records.declineOp(n.taskForce, n.charter, { peerId: n.from, at: incoming.nowMs, ...(n.reason != null ? { reason: n.reason } : {}) })
    ], [
      taskForceEvents.charter({
        taskForce: n.taskForce,
        version: c.version,
        charter: n.charter,
        previous: c.previous,
        action: 'taskforce.declined',
        by: n.from,
        signers: v.envelope.signatures.map(x => x.keyid).sort()
      })
    ])
  }

  let chain: SignedCharter[]
  try {
    chain = openHistory(n.chain)
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID', n.id, (err as Error).message)
  }
  const subject = chain.at(-1) as SignedCharter
  if (subject.digest !== n.charter || subject.charter.id !== n.taskForce) {
    return refuse('SCHEMA_INVALID', n.id, 'the chain does not end with the charter the notice names')
  }
  const prev = chain.at(-2)
  if (!allowedSigners(prev, subject.charter).includes(self)) {
    return refuse('NOT_ADDRESSED', n.id, `this node is not a member of version ${subject.charter.version} or the one before`)
  }
  if (!subject.signers.includes(n.from)) return refuse('BAD_SIGNATURE', n.id, 'the sender has not signed the charter it sends')
  if (!memberIds(subject.charter).includes(n.from) && !(prev != null && memberIds(prev.charter).includes(n.from))) {
    return refuse('NOT_ADDRESSED', n.id, 'the sender is not a member')
  }

  const ops: BatchOp[] = []
  const events: unknown[] = []
  for (const s of chain) {
    const have = known.get(s.digest)
    const held = new Set(have?.envelope.signatures.map(x => x.keyid) ?? [])
    const fresh = s.signers.filter(x => !held.has(x))
    if (have != null && fresh.length === 0) continue
    ops.push(...records.versionOps(s, incoming.nowMs, have != null))
    events.push(
      taskForceEvents.charter({
        taskForce: s.charter.id,
        version: s.charter.version,
        charter: s.digest,
        previous: s.charter.previous,
        action: 'taskforce.received',
        by: n.from,
        signers: [...new Set([...held, ...s.signers])].sort()
      })
    )
  }
  return admit(n, incoming, subject.charter.legalBasis, ops, events)
}

function admit (n: TaskForceNoticeV1, incoming: Incoming, legalBasis: string, ops: BatchOp[], events: unknown[]): Admission {
  return { ok: true, meta: noticeMeta(n, incoming.digest, legalBasis, 'in', incoming.nowMs), ops, events }
}
