/**
 * Crash rounds: a 2,000-message stream from a sender to a receiver while one of them is killed
 * with SIGKILL at random moments. After every kill, before the restart, `liaison audit verify`
 * runs on the stopped node's data directory. At the end the figures say what the issue asks:
 * acknowledged messages lost, duplicates in the inbox, deliveries left in the outbox, audit
 * verifications that failed. Shared by test/e2e/fault-crash-audit.test.ts and `npm run soak`.
 *
 * @module
 */
import type { ApiClient } from '../../node/api/client.ts'
import { until } from '../node-driver.ts'
import { auditVerify } from './soak-node.ts'

/** What the rounds need of a node (TestNode and SoakNode both fit). */
export interface Crashable {
  name: string
  dir: string
  peerId: string
  crash: () => Promise<void>
  start: () => Promise<unknown>
  stop: () => Promise<unknown>
  client: () => Promise<ApiClient>
}

export interface CrashRoundsInit {
  sender: Crashable
  receiver: Crashable
  victim: 'sender' | 'receiver'
  rounds: number
  total?: number
  legalBasis: string
  /** Called with each failed audit verification (for logs). */
  onAuditFailure?: (round: number, output: string) => void
}

export interface CrashFigures {
  victim: 'sender' | 'receiver'
  rounds: number
  /** Sends the sender's API answered (durably queued). */
  acknowledged: number
  /** Messages in the receiver's inbox from the sender. */
  delivered: number
  /** Acknowledged ids missing from the inbox. */
  lost: number
  /** Inbox entries beyond the first for the same id. */
  duplicates: number
  /** Inbox entries the sender never stored as sent. */
  unknown: number
  /** Outbox records not `delivered` at the end. */
  outboxLeft: number
  auditRuns: number
  auditFailures: number
  seconds: number
}

const pause = async (ms: number): Promise<void> => {
  await new Promise(resolve => setTimeout(resolve, ms))
}
const between = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo))

/**
 * Send until `count` messages are acknowledged, 16 API calls at a time; a send that fails
 * (sender killed) is not acknowledged and is made again as a new message.
 */
async function stream (client: () => Promise<ApiClient>, to: string, count: number, legalBasis: string, acknowledged: string[]): Promise<void> {
  let next = 0
  let api = await client()
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < count) {
      const n = next++
      try {
        const res = await api.send({ to: [to], kind: 'report', tlp: 'GREEN', topic: 'crash-rounds', legalBasis, body: { n } })
        acknowledged.push(res.id)
      } catch {
        // The sender is down: give the slot back (the stream is `count` acknowledged sends),
        // wait for it, then go on. The failed send may still have been stored: that is the
        // `unknown` check's business (in the inbox is fine only if the sender lists it as sent).
        next--
        await pause(100)
        try {
          api = await client()
        } catch {}
      }
    }
  }))
}

export async function runCrashRounds (init: CrashRoundsInit): Promise<CrashFigures> {
  const { sender, receiver, victim, rounds } = init
  const total = init.total ?? 2000
  const started = Date.now()
  const acknowledged: string[] = []
  const target = victim === 'sender' ? sender : receiver
  let auditRuns = 0
  let auditFailures = 0
  const killAndVerify = async (round: number): Promise<void> => {
    await target.crash()
    // Restart first: a kill -9 mid-write leaves a torn record at the end of LevelDB's log,
    // which the restart drops (it was never synced, so never acknowledged). Then audit the
    // restarted store on a stopped node, as the issue asks ("after each restart").
    await target.start()
    await target.stop()
    auditRuns++
    const res = await auditVerify(target.dir)
    if (res.code !== 0) {
      auditFailures++
      init.onAuditFailure?.(round, res.stdout + res.stderr)
    }
    await target.start()
  }

  if (victim === 'receiver') {
    const sending = stream(async () => await sender.client(), receiver.peerId, total, init.legalBasis, acknowledged)
    for (let round = 0; round < rounds; round++) {
      await pause(between(100, 700))
      await killAndVerify(round)
    }
    await sending
  } else {
    const perRound = Math.ceil(total / rounds)
    for (let round = 0; round < rounds; round++) {
      const sending = stream(async () => await sender.client(), receiver.peerId, perRound, init.legalBasis, acknowledged)
      // Kill while sends are in flight half of the time, between bursts otherwise.
      if (Math.random() < 0.5) await pause(between(20, 300))
      else await sending
      await killAndVerify(round)
      await sending
    }
  }

  const cs = await sender.client()
  const cr = await receiver.client()
  await until(async () => (await cs.outbox()).every(r => r.status !== 'pending'), 180_000, 'outbox to drain', 200)
  const outbox = (await cs.outbox()).filter(r => r.recipient === receiver.peerId)
  const inbox = (await cr.inbox({ from: sender.peerId })).map(m => m.id)
  const sent = new Set((await cs.sent()).map(m => m.id))
  const inboxSet = new Set(inbox)
  return {
    victim,
    rounds,
    acknowledged: acknowledged.length,
    delivered: inboxSet.size,
    lost: acknowledged.filter(id => !inboxSet.has(id)).length,
    duplicates: inbox.length - inboxSet.size,
    unknown: inbox.filter(id => !sent.has(id)).length,
    outboxLeft: outbox.filter(r => r.status !== 'delivered').length,
    auditRuns,
    auditFailures,
    seconds: (Date.now() - started) / 1000
  }
}
