/**
 * Sending a task force notice (protocol/taskforce/notice.ts) to members: signed by this node,
 * queued in the durable outbox like any envelope (so a restart loses nothing), with the
 * version records and audit entries of the same action in the same write.
 *
 * A notice is a control envelope: stored and receipted like a message, not an inbox item. Its
 * index record names the charter's legal basis, topic `taskforce-charter`, TLP:AMBER, kind
 * `report`, so the audit log's message fields stay meaningful.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { encodeNotice, type NoticeAction, type TaskForceNoticeV1 } from '../../protocol/taskforce/index.ts'
import { PAYLOAD_TYPES, type Signer } from '../../protocol/types.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { DEFAULT_TASKFORCE_NOTICE_TTL_MS } from '../defaults.ts'
import { enqueueOutbound } from '../exchange/enqueue.ts'
import type { Outbox } from '../exchange/outbox.ts'
import type { BatchOp, MessageMeta, Store } from '../store/index.ts'

/** The topic of a notice's index record. */
export const NOTICE_TOPIC = 'taskforce-charter'

export interface NoticeComponents {
  store: Store
  signer: Signer
  outbox?: Outbox
}

export interface NoticeInput {
  action: NoticeAction
  taskForce: string
  charter: string
  legalBasis: string
  /** Charter envelopes (bytes), version 1 first; empty for a decline. */
  chain: Uint8Array[]
  to: string[]
  reason?: string
}

/** The index record of a notice (either direction). */
export function noticeMeta (n: TaskForceNoticeV1, digest: string, legalBasis: string, direction: 'in' | 'out', storedAt: number): MessageMeta {
  return {
    digest,
    id: n.id,
    payloadType: PAYLOAD_TYPES.taskforceNotice,
    direction,
    from: n.from,
    to: n.to,
    kind: 'report',
    tlp: 'AMBER',
    topic: NOTICE_TOPIC,
    legalBasis,
    handling: [],
    created: n.created,
    expires: n.expires,
    storedAt
  }
}

/**
 * Signs and queues one notice to `to`, or, with nobody to tell, only commits `ops` and
 * `events`. Returns the notice's digest (undefined when none was sent).
 */
export async function sendNotice (c: NoticeComponents, input: NoticeInput, nowMs: number, ops: BatchOp[], events: unknown[]): Promise<string | undefined> {
  if (input.to.length === 0) {
    await c.store.commit(ops, events)
    return undefined
  }
  const n: TaskForceNoticeV1 = {
    v: 1,
    id: uuidV7(nowMs, randomBytes(10)),
    from: c.signer.peerId,
    to: input.to,
    created: new Date(nowMs).toISOString(),
    expires: new Date(nowMs + DEFAULT_TASKFORCE_NOTICE_TTL_MS).toISOString(),
    action: input.action,
    taskForce: input.taskForce,
    charter: input.charter,
    chain: input.chain,
    ...(input.reason != null ? { reason: input.reason } : {})
  }
  const env = signEnvelope(PAYLOAD_TYPES.taskforceNotice, encodeNotice(n), c.signer)
  const digest = envelopeDigest(env)
  const meta = noticeMeta(n, digest, input.legalBasis, 'out', nowMs)
  if (c.outbox != null) await c.outbox.enqueue(meta, encodeEnvelope(env), input.to, ops, events)
  else await enqueueOutbound(c.store, meta, encodeEnvelope(env), input.to, nowMs, ops, events)
  return digest
}
