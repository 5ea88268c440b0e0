/**
 * The cooperation report's task force figures (docs/report.md), through the report's plug-in
 * points: entry hooks for `taskforce.message` and `taskforce.charter` that emit `taskforce`
 * facts, two figures over them, and the `taskforce` breakdown of every message figure —
 *
 * - `taskforces`: messages sent and received under each task force and charter version, per
 *   direction (out: one row per recipient), broken down by peer, week or month;
 * - `taskforce_charters`: charter events per task force and action (proposed, signed,
 *   declined, received).
 *
 * - `--by taskforce`: a message dimension. The message's own entry does not carry its task
 *   force; its `taskforce.message` entry, written just before it in the same write
 *   (node/service/local-service.ts send, node/taskforce/admit-message.ts), tells it (`n.tell`), so the
 *   message's facts from its `message.sent` / `message.received` on — sent, received, its
 *   receipts (accepted, rejected by reason, delivery times), answers, releases, forwards,
 *   ratings — carry the task force id; `-` for messages outside any task force (and for
 *   inbound envelopes refused before they were stored, `message.rejected`, which name no
 *   message dimension at all).
 *
 * Loaded by node/report/compute.ts, so every way of computing a report (the node, the CLI on a
 * stopped node, `report verify`) has the same figures.
 *
 * @module
 */
import { registerFigure } from '../report/figures.ts'
import { Normaliser } from '../report/facts.ts'
import { NO_DIMS, type RawEntry } from '../report/fact.ts'
import { registerDimension } from '../report/dimensions.ts'

const str = (v: unknown): string => typeof v === 'string' ? v : '-'

registerDimension({ id: 'taskforce', description: 'the task force a message was sent under (its id; `-` outside any)', fromEntry: e => e.taskForce })

Normaliser.hook('taskforce.message', (e: RawEntry, atMs, n) => {
  n.tell(e.digest, { taskForce: e.taskForce })
  if (!n.inRange(atMs)) return
  const direction = e.direction === 'in' ? 'in' : 'out'
  const peers = Array.isArray(e.peers) ? e.peers : []
  for (const peer of peers) {
    n.emit({ type: 'taskforce', direction, at: atMs, peer: str(peer), dims: NO_DIMS, taskForce: str(e.taskForce), version: null, action: null })
  }
})

Normaliser.hook('taskforce.charter', (e: RawEntry, atMs, n) => {
  if (!n.inRange(atMs)) return
  const version = typeof e.version === 'number' ? e.version : null
  n.emit({
    type: 'taskforce',
    direction: n.isSelf(e.by) ? 'out' : 'in',
    at: atMs,
    peer: str(e.by),
    dims: NO_DIMS,
    taskForce: str(e.taskForce),
    version,
    action: str(e.action).replace(/^taskforce\./, '')
  })
})

registerFigure<{ n: number }>({
  id: 'taskforces',
  title: 'Messages under each task force',
  keys: ['task_force', 'direction'],
  facts: ['taskforce'],
  measures: ['messages'],
  dimensions: ['peer', 'week', 'month'],
  keyOf: f => f.type === 'taskforce' && f.action == null ? [f.taskForce, f.direction] : undefined,
  state: () => ({ n: 0 }),
  add: s => {
    s.n++
  },
  values: s => [s.n]
})

registerFigure<{ n: number }>({
  id: 'taskforce_charters',
  title: 'Task force charter events (proposed, signed, declined, received)',
  keys: ['task_force', 'version', 'action'],
  facts: ['taskforce'],
  measures: ['events'],
  dimensions: ['peer', 'week', 'month'],
  keyOf: f => f.type === 'taskforce' && f.action != null ? [f.taskForce, f.version, f.action] : undefined,
  state: () => ({ n: 0 }),
  add: s => {
    s.n++
  },
  values: s => [s.n]
})
