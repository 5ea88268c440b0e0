/**
 * `--by taskforce` on scripted entries: the `taskforce.message` entry written just before a
 * message's own `message.sent` / `message.received` (same write) tells the normaliser the
 * message's task force, so every message figure — messages sent and received, accepted and
 * rejected, rejections by reason, delivery times, the outbox, forwards, feedback — breaks down by
 * it, with `-` for messages outside any task force; through the same Normaliser →
 * FigureAccumulator path computeReport takes.
 */
import { describe, expect, it } from 'vitest'
import { Normaliser } from '../../node/report/facts.ts'
import type { RawEntry } from '../../node/report/fact.ts'
import { FigureAccumulator, figureDefs } from '../../node/report/figures.ts'
import { reportQuery } from '../../node/report/compute.ts'
import '../../node/taskforce/report-figures.ts'
import type { Cell } from '../../node/report/types.ts'
import { generateSigner } from '../../protocol/keys.ts'

const self = generateSigner().signer.peerId
const peer = generateSigner().signer.peerId
const other = generateSigner().signer.peerId
const D = (n: number): string => n.toString(16).padStart(64, '0')
const T0 = Date.UTC(2026, 11, 1)
const at = (ms: number): string => new Date(T0 + ms).toISOString()
const MESSAGE = 'application/vnd.liaison.message.v1+json'

const sent = (n: number, ms: number, to = [peer, other]): RawEntry => ({
  type: 'message.sent',
  at: at(ms),
  digest: D(n),
  payloadType: MESSAGE,
  id: `id-${n}`,
  kind: 'report',
  from: self,
  to,
  tlp: 'GREEN',
  topic: 'fraud',
  legalBasis: 'EU-1',
  expires: at(86_400_000)
})
const received = (n: number, ms: number): RawEntry => ({
  type: 'message.received',
  at: at(ms),
  digest: D(n),
  payloadType: MESSAGE,
  id: `id-${n}`,
  kind: 'report',
  from: peer,
  to: [self],
  tlp: 'GREEN',
  topic: 'fraud',
  legalBasis: 'EU-1',
  expires: at(86_400_000)
})
const underTaskForce = (n: number, ms: number, direction: 'in' | 'out', peers: string[], taskForce = 'jit-rhine'): RawEntry => ({
  type: 'taskforce.message',
  at: at(ms),
  digest: D(n),
  taskForce,
  charter: D(900),
  direction,
  peers
})
const receipt = (n: number, ms: number, by: string, reason: string | null = null): RawEntry => ({
  type: 'receipt.stored',
  at: at(ms),
  for: D(n),
  by,
  status: reason == null ? 'accepted' : 'rejected',
  reason
})

/** Figure `id` over `entries`, broken down by task force, as objects keyed by column. */
function figure (id: string, entries: RawEntry[], by = ['taskforce']): Array<Record<string, Cell>> {
  const def = figureDefs().find(d => d.id === id)!
  const acc = new FigureAccumulator(def, by)
  const n = new Normaliser({
    self,
    fromMs: -Infinity,
    toMs: Infinity,
    joinLimit: 100,
    emit: f => {
      acc.add(f)
    }
  })
  for (const e of entries) n.add(e)
  n.finish()
  const t = acc.table()
  return t.rows.map(r => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])))
}

// As the node writes them: the task force entry first, in the message's own write.
const LOG: RawEntry[] = [
  underTaskForce(1, 0, 'out', [peer, other]),
  sent(1, 0),
  receipt(1, 400, peer),
  receipt(1, 900, other, 'TASKFORCE_NOT_PERMITTED'),
  sent(2, 10),
  receipt(2, 2010, peer, 'POLICY_DENIED'), // outside any task force; `other` still pending
  underTaskForce(3, 20, 'in', [peer]),
  received(3, 20),
  receipt(3, 20, self),
  received(4, 30),
  receipt(4, 30, self)
]

describe('report: --by taskforce', () => {
  it('is a registered dimension that reportQuery accepts', () => {
    expect(reportQuery({ by: ['taskforce', 'peer'] }).by).toEqual(['taskforce', 'peer'])
  })

  it('breaks messages, rejections by reason and delivery times down by task force, `-` outside any', () => {
    expect(figure('messages', LOG)).toEqual([
      { taskforce: '-', direction: 'in', messages: 1, accepted: 1, rejected: 0, pending: 0 },
      { taskforce: '-', direction: 'out', messages: 2, accepted: 0, rejected: 1, pending: 1 },
      { taskforce: 'jit-rhine', direction: 'in', messages: 1, accepted: 1, rejected: 0, pending: 0 },
      { taskforce: 'jit-rhine', direction: 'out', messages: 2, accepted: 1, rejected: 1, pending: 0 }
    ])
    expect(figure('rejections', LOG)).toEqual([
      { taskforce: '-', direction: 'out', reason: 'POLICY_DENIED', rejected: 1 },
      { taskforce: 'jit-rhine', direction: 'out', reason: 'TASKFORCE_NOT_PERMITTED', rejected: 1 }
    ])
    expect(figure('delivery', LOG).map(r => [r.taskforce, r.receipts, r.max_ms])).toEqual([['-', 1, 2000], ['jit-rhine', 2, 900]])
    expect(figure('outbox', LOG).map(r => [r.taskforce, r.queued, r.left, r.waiting])).toEqual([['-', 2, 1, 1], ['jit-rhine', 2, 2, 0]])
    // Combined with another dimension, in the order given.
    expect(figure('messages', LOG, ['peer', 'taskforce']).filter(r => r.direction === 'out').map(r => [r.peer, r.taskforce, r.messages])).toEqual(
      expect.arrayContaining([[peer, 'jit-rhine', 1], [other, 'jit-rhine', 1], [peer, '-', 1], [other, '-', 1]])
    )
  })

  it("never splits a message across two values: a task force entry after the message's own entry changes nothing", () => {
    // The order an earlier build wrote (message first): counted under `-` throughout, so per row
    // messages = accepted + rejected + pending still holds.
    const rows = figure('messages', [sent(5, 0, [peer]), underTaskForce(5, 0, 'out', [peer]), receipt(5, 100, peer)])
    expect(rows).toEqual([{ taskforce: '-', direction: 'out', messages: 1, accepted: 1, rejected: 0, pending: 0 }])
  })

  it('leaves the task force figure itself keyed by task force (it does not break down by it again)', () => {
    expect(figure('taskforces', LOG)).toEqual([
      { task_force: 'jit-rhine', direction: 'in', messages: 1 },
      { task_force: 'jit-rhine', direction: 'out', messages: 2 }
    ])
  })
})
