/**
 * Joint task forces on a node (PROTOCOL.md §21, docs/taskforces.md): the charter versions and
 * signatures a node holds (records.ts), what is in effect on it (state.ts), the operator's
 * actions (task-forces.ts) and what they show (views.ts), the notices that carry charters
 * between members (notices.ts, handle-notice.ts), and messages under a charter: addressing on
 * the sending side, admission on the receiving side (addressing.ts, admit-message.ts),
 * forwarding inside the task force (forwarding.ts), the report's figures (report-figures.ts).
 *
 * @example
 * ```ts
 * const tf = new TaskForces({ store, trust, signer, name: 'Agency A', outbox, now: () => new Date() })
 * const { id } = await tf.propose({ name: 'JIT Rhine', purpose: '…', legalBasis: 'JIT-2026-04', members: [b, c],
 *   topics: ['fraud'], maxTlp: 'AMBER', validUntil: '2027-01-01T00:00:00.000Z' })
 * // B and C: await tf.sign(id)  — in effect on each node once it bears the quorum and that node's signature
 * await service.send({ taskForce: id, to: [], kind: 'report', tlp: 'AMBER', topic: 'fraud', legalBasis: 'JIT-2026-04', body })
 * ```
 *
 * @module
 */
import { taskForceEvents } from '../audit/events.ts'
import type { MessageMeta } from '../store/index.ts'

export { TaskForces, majority, type AmendInput, type ProposeInput, type TaskForceComponents } from './task-forces.ts'
export { detailOf, summaryOf, type TaskForceDetail, type TaskForceSummary, type VersionSummary, type VersionStatus } from './views.ts'
export { TaskForceRecords, type Decline, type StoredVersion, type VersionRecord } from './records.ts'
export { loadTaskForce, type TaskForceView } from './state.ts'
export { addressTaskForce, taskForceRefusal, type Addressing, type TaskForceRef } from './addressing.ts'
export { withTaskForceCheck } from './admit-message.ts'
export { handleTaskForceNotice } from './handle-notice.ts'
export { NOTICE_TOPIC, noticeMeta, sendNotice } from './notices.ts'

/** The `taskforce.message` entry of a message sent under a charter (none for other messages). */
export function taskForceSendEvents (meta: MessageMeta): unknown[] {
  return meta.taskForce != null
    ? [taskForceEvents.message({ digest: meta.digest, taskForce: meta.taskForce.id, charter: meta.taskForce.charter, direction: 'out', peers: meta.to })]
    : []
}
