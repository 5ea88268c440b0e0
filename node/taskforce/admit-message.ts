/**
 * The receiving side of task force messages: a message handler (node/exchange/handle-message.ts)
 * wrapped so that a message naming a task force (`taskForce: { id, charter }`) is admitted only
 * when the charter version it names is the one in effect on this node and the message fits it
 * — else TASKFORCE_NOT_PERMITTED — and is logged with a `taskforce.message` entry tying it to
 * that version, written just before its `message.received` in the same write (the admission's
 * `preface`) so the report knows the task force when it reaches the message. The node's own per-peer policy is applied first, by the wrapped handler.
 *
 * @module
 */
import { taskForceEvents } from '../audit/events.ts'
import { refuse, type Admission, type Incoming, type PayloadHandler } from '../exchange/admission.ts'
import { taskForceRefusal } from './addressing.ts'
import { TaskForceRecords } from './records.ts'

export function withTaskForceCheck (handler: PayloadHandler): PayloadHandler {
  return async (incoming: Incoming): Promise<Admission> => {
    const admission = await handler(incoming)
    if (!admission.ok || admission.meta.taskForce == null) return admission
    const { meta } = admission
    const ref = meta.taskForce as { id: string, charter: string }
    const problem = await taskForceRefusal(new TaskForceRecords(incoming.store.db), incoming.self.peerId, ref, meta, incoming.nowMs)
    if (problem != null) return refuse('TASKFORCE_NOT_PERMITTED', meta.id, problem)
    return {
      ...admission,
      preface: [
        ...(admission.preface ?? []),
        taskForceEvents.message({ digest: meta.digest, taskForce: ref.id, charter: ref.charter, direction: 'in', peers: [meta.from] })
      ]
    }
  }
}
