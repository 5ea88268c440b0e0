/**
 * Putting a signed message into the durable outbox: the message, its envelope and one pending
 * delivery per recipient in one fsync'd batch. Used by the running node and, when the node is
 * stopped, directly by the CLI (the node delivers it when it next starts).
 *
 * @module
 */
import type { Store, DeliveryRecord, MessageMeta, BatchOp } from '../store/index.ts'
import { auditEvents } from '../audit/events.ts'

/**
 * `events` are logged after the message's `message.sent`, `preface` just before it, all in the
 * same write: `preface` holds entries that tell something about the message itself (its
 * `taskforce.message`), so a reader of the log in order (the report) knows it at the message.
 */
export async function enqueueOutbound (
  store: Store,
  meta: MessageMeta,
  envelope: Uint8Array,
  recipients: string[],
  now: number,
  extraOps: BatchOp[] = [],
  events: unknown[] = [],
  preface: unknown[] = []
): Promise<DeliveryRecord[]> {
  const ops: BatchOp[] = [...store.messageOps(meta, envelope), ...extraOps]
  const records: DeliveryRecord[] = recipients.map(recipient => ({
    digest: meta.digest,
    messageId: meta.id,
    recipient,
    status: 'pending',
    seq: store.nextSeq(),
    attempts: 0,
    queuedAt: now,
    updatedAt: now,
    expires: meta.expires
  }))
  for (const r of records) ops.push(...store.deliveryOps(r))
  ops.push(store.seqOp())
  await store.commit(ops, [...preface, auditEvents.messageSent(meta, envelope), ...auditEvents.repliesOf(meta), ...events])
  return records
}
