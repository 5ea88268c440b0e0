/**
 * `npm run soak`: the adversarial suite's long run (issue 8, part 2).
 *
 *   npm run soak -- [--seconds 60] [--nodes 30] [--rate 20] [--crash-rounds 20] [--keep]
 *
 * Phase 1, federation: `--nodes` real node processes on loopback with random permissions
 * (TLP ceilings, topic lists, invalid agreements, suspended relationships; see
 * scripts/soak/federation.ts) and random traffic at about `--rate` messages a second for
 * `--seconds`. Then: every message policy allows is in each intended inbox exactly once; every
 * refused one carries the reason the oracle expects (at send, or in the recipient's receipt);
 * witnessing shows no alert; RSS per node at start and end stays within `--rss-growth-mb`; after
 * a clean stop `liaison audit verify` passes on every node.
 *
 * Phase 2, crash rounds: `--crash-rounds` kills (SIGKILL) of the receiver, then of the sender,
 * at random moments during a 2,000-message stream, with `audit verify` on the stopped node
 * after every kill; at the end nothing acknowledged is lost, nothing is there twice, and the
 * outbox is empty.
 *
 * Prints a summary table; exits 1 on any violation (each one listed), 0 otherwise.
 *
 * @module
 */
import { rm } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { Tlp } from '../protocol/types.ts'
import type { SendResult } from '../node/service/liaison-service.ts'
import { tempDir, until } from './node-driver.ts'
import { SOAK_AGREEMENT, SoakNode, auditVerify } from './soak/soak-node.ts'
import { MARKINGS, TOPICS, applyPermissions, drawPermissions, pick, verdict, type Federation, type Verdict } from './soak/federation.ts'
import { runCrashRounds, type CrashFigures } from './soak/crash-rounds.ts'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    nodes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '20' },
    'crash-rounds': { type: 'string', default: '20' },
    'rss-growth-mb': { type: 'string', default: '100' },
    keep: { type: 'boolean', default: false }
  }
})
const SECONDS = Number(args.seconds)
const NODES = Number(args.nodes)
const RATE = Number(args.rate)
const CRASH_ROUNDS = Number(args['crash-rounds'])
const RSS_GROWTH_KB = Number(args['rss-growth-mb']) * 1024

const violations: string[] = []
const violate = (what: string): void => {
  violations.push(what)
  process.stderr.write(`VIOLATION: ${what}\n`)
}
const say = (line: string): void => {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}
const pause = async (ms: number): Promise<void> => {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Run `fn` over `items` with at most `limit` at a time. */
async function eachLimited<T> (items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  }))
}

interface Sent {
  s: number
  /** Recipients' node indexes and what the oracle expects for each. */
  to: Array<{ r: number, expect: Verdict }>
  id?: string
  /** Per-recipient outcome at send time (reason when refused). */
  outcomes: Map<number, { status: string, reason?: string }>
}

async function federation (root: string): Promise<Record<string, string | number>> {
  say(`creating ${NODES} nodes`)
  const nodes: SoakNode[] = []
  await eachLimited(Array.from({ length: NODES }, (_, i) => i), 4, async (i) => {
    nodes[i] = await SoakNode.create({ name: `n${String(i).padStart(2, '0')}`, root, exchange: { retryBaseMs: 100, retryCapMs: 2000 } })
  })
  say('starting them')
  await eachLimited(nodes, 3, async (node) => {
    await node.start()
  })
  const fed: Federation = { nodes, perm: drawPermissions(NODES) }
  await applyPermissions(fed)
  const edges = fed.perm.flat().filter(p => p != null).length
  say(`trust lists: ${edges} records, ${fed.perm.flat().filter(p => p?.suspended === true).length} suspended`)
  const rssStart = await Promise.all(nodes.map(async n => await n.rssKb() ?? 0))

  // Traffic: mostly to trusted peers, sometimes to a stranger (refused at send as UNKNOWN_PEER).
  const sent: Sent[] = []
  const clients = await Promise.all(nodes.map(async n => await n.client()))
  const deadline = Date.now() + SECONDS * 1000
  say(`traffic for ${SECONDS} s at ~${RATE}/s`)
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const started = Date.now()
      const s = Math.floor(Math.random() * NODES)
      const trusted = fed.perm[s].flatMap((p, j) => p != null ? [j] : [])
      const strangers = nodes.map((_, j) => j).filter(j => j !== s && fed.perm[s][j] == null)
      const count = Math.random() < 0.15 ? 2 : 1
      const to = new Set<number>()
      for (let k = 0; k < count; k++) {
        if (trusted.length > 0 && (Math.random() > 0.05 || strangers.length === 0)) to.add(pick(trusted))
        else if (strangers.length > 0) to.add(pick(strangers))
      }
      if (to.size === 0) continue
      const tlp: Tlp = pick(MARKINGS)
      const topic = pick(TOPICS)
      const entry: Sent = { s, to: [...to].map(r => ({ r, expect: verdict(fed, s, r, tlp, topic) })), outcomes: new Map() }
      sent.push(entry)
      try {
        const res: SendResult = await clients[s].send({
          to: [...to].map(r => nodes[r].peerId),
          kind: 'report',
          tlp,
          topic,
          legalBasis: SOAK_AGREEMENT,
          body: { n: sent.length, pad: 'x'.repeat(Math.floor(Math.random() * 2000)) }
        })
        entry.id = res.id
        for (const o of res.recipients) {
          entry.outcomes.set(nodes.findIndex(n => n.peerId === o.peerId), { status: o.status, ...(o.reason != null ? { reason: o.reason } : {}) })
        }
      } catch (err) {
        const e = err as { code?: string, details?: unknown }
        if (e.code === 'RECIPIENT_REFUSED' && Array.isArray(e.details)) {
          for (const o of e.details as Array<{ peerId: string, status: string, reason?: string }>) {
            entry.outcomes.set(nodes.findIndex(n => n.peerId === o.peerId), o)
          }
        } else {
          violate(`send from ${nodes[s].name} failed: ${String(err)}`)
        }
      }
      const wait = (1000 * 4) / RATE - (Date.now() - started)
      if (wait > 0) await pause(wait)
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker))
  const ids = sent.filter(e => e.id != null).length
  say(`${sent.length} sends (${ids} with a message id); waiting for every outbox to settle`)

  await until(
    async () => {
      const outs = await Promise.all(clients.map(async c => await c.outbox()))
      return outs.every(o => o.every(r => r.status !== 'pending'))
    },
    180_000,
    'every outbox to settle',
    1000
  ).catch((err: unknown) => {
    violate(String(err))
  })

  // Check every (message, recipient) against the oracle.
  const inboxes = await Promise.all(clients.map(async c => await c.inbox()))
  const outboxes = await Promise.all(clients.map(async c => new Map((await c.outbox()).map(r => [r.messageId + '>' + r.recipient, r]))))
  const inboxCount = inboxes.map(box => {
    const m = new Map<string, number>()
    for (const x of box) m.set(x.id, (m.get(x.id) ?? 0) + 1)
    return m
  })
  const tally = { delivered: 0, refusedAtSend: 0, rejectedByReceipt: 0 }
  const reasons = new Map<string, number>()
  for (const e of sent) {
    for (const { r, expect } of e.to) {
      const what = `${nodes[e.s].name}→${nodes[r].name} ${e.id ?? '(no id)'}`
      const atSend = e.outcomes.get(r)
      const inInbox = e.id != null ? (inboxCount[r].get(e.id) ?? 0) : 0
      if (expect.where === 'send') {
        tally.refusedAtSend++
        reasons.set(expect.reason, (reasons.get(expect.reason) ?? 0) + 1)
        if (atSend?.status !== 'refused' || atSend.reason !== expect.reason) {
          violate(`${what}: expected refusal at send with ${expect.reason}, got ${JSON.stringify(atSend)}`)
        }
        if (inInbox !== 0) violate(`${what}: refused at send but ${inInbox} in the inbox`)
        continue
      }
      if (atSend?.status !== 'queued') {
        violate(`${what}: expected queued at send, got ${JSON.stringify(atSend)}`)
        continue
      }
      const record = outboxes[e.s].get(`${e.id}>${nodes[r].peerId}`)
      if (expect.where === 'delivered') {
        tally.delivered++
        if (inInbox !== 1) violate(`${what}: allowed, in the inbox ${inInbox} times`)
        if (record?.status !== 'delivered') violate(`${what}: allowed, outbox says ${record?.status}`)
      } else {
        tally.rejectedByReceipt++
        reasons.set(expect.reason, (reasons.get(expect.reason) ?? 0) + 1)
        if (inInbox !== 0) violate(`${what}: rejected (${expect.reason}) but ${inInbox} in the inbox`)
        if (record?.status !== 'rejected' || record.reason !== expect.reason) {
          violate(`${what}: expected receipt rejection ${expect.reason}, outbox says ${record?.status}/${record?.reason}`)
        }
      }
    }
  }
  // Nothing in any inbox that the oracle did not send there.
  const expected = new Set(sent.flatMap(e => e.id == null ? [] : e.to.filter(t => t.expect.where === 'delivered').map(t => `${t.r}:${e.id}`)))
  inboxes.forEach((box, r) => {
    for (const m of box) if (!expected.has(`${r}:${m.id}`)) violate(`${nodes[r].name}: unexpected inbox entry ${m.id}`)
  })

  say('witnessing')
  const witnessed = { cosigned: 0, failed: 0, alerts: 0 }
  await eachLimited(clients, 4, async (c) => {
    for (const o of await c.witness()) {
      if (o.status === 'cosigned') witnessed.cosigned++
      else if (o.status === 'alert') {
        witnessed.alerts++
        violate(`witness alert presenting to ${o.peerId}: ${o.detail}`)
      } else witnessed.failed++
    }
  })
  for (const [i, c] of clients.entries()) {
    const { alerts } = await c.witnesses()
    for (const a of alerts) {
      witnessed.alerts++
      violate(`${nodes[i].name} holds a witness alert ${a.reason} for ${a.peerId}: ${a.detail}`)
    }
  }

  const rssEnd = await Promise.all(nodes.map(async n => await n.rssKb() ?? 0))
  rssEnd.forEach((end, i) => {
    if (end - rssStart[i] > RSS_GROWTH_KB) violate(`${nodes[i].name}: RSS grew from ${rssStart[i]} kB to ${end} kB`)
  })

  say('stopping and verifying every audit log')
  await eachLimited(nodes, 6, async (n) => {
    await n.stop()
  })
  let auditOk = 0
  await eachLimited(nodes, 2, async (n) => {
    const res = await auditVerify(n.dir)
    if (res.code === 0) auditOk++
    else violate(`${n.name}: audit verify exited ${res.code}: ${(res.stdout + res.stderr).slice(-600)}`)
  })

  const mb = (kb: number): string => (kb / 1024).toFixed(0)
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)
  return {
    nodes: NODES,
    'trust records': edges,
    sends: sent.length,
    'deliveries expected & done': tally.delivered,
    'refused at send': tally.refusedAtSend,
    'rejected by receipt': tally.rejectedByReceipt,
    'refusal reasons': [...reasons].map(([k, v]) => `${k} ${v}`).join(', '),
    'witness cosigned/failed/alerts': `${witnessed.cosigned}/${witnessed.failed}/${witnessed.alerts}`,
    'audit verify ok': `${auditOk}/${NODES}`,
    'RSS start MB (min/median/max)': `${mb(sorted(rssStart)[0])}/${mb(sorted(rssStart)[NODES >> 1])}/${mb(sorted(rssStart)[NODES - 1])}`,
    'RSS end MB (min/median/max)': `${mb(sorted(rssEnd)[0])}/${mb(sorted(rssEnd)[NODES >> 1])}/${mb(sorted(rssEnd)[NODES - 1])}`,
    'RSS max growth MB': mb(Math.max(...rssEnd.map((e, i) => e - rssStart[i])))
  }
}

async function crashes (root: string, victim: 'sender' | 'receiver'): Promise<CrashFigures> {
  const sender = await SoakNode.create({ name: `${victim}-crash-sender`, root })
  const receiver = await SoakNode.create({ name: `${victim}-crash-receiver`, root })
  await sender.trust(receiver)
  await receiver.trust(sender)
  await Promise.all([sender.start(), receiver.start()])
  try {
    return await runCrashRounds({
      sender,
      receiver,
      victim,
      rounds: CRASH_ROUNDS,
      legalBasis: SOAK_AGREEMENT,
      onAuditFailure: (round, output) => {
        violate(`${victim} round ${round}: audit verify failed: ${output.slice(-600)}`)
      }
    })
  } finally {
    await Promise.all([sender.stop(), receiver.stop()])
  }
}

function table (title: string, rows: Record<string, string | number>): string {
  const width = Math.max(...Object.keys(rows).map(k => k.length))
  return [title, ...Object.entries(rows).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n')
}

const root = await tempDir('liaison-soak-')
const started = Date.now()
const out: string[] = []
try {
  if (NODES > 0 && SECONDS > 0) out.push(table(`federation (${SECONDS} s of traffic)`, await federation(root)))
  for (const victim of ['receiver', 'sender'] as const) {
    if (CRASH_ROUNDS <= 0) break
    say(`crash rounds: ${victim} killed ${CRASH_ROUNDS} times`)
    const f = await crashes(root, victim)
    for (
      const [k, v] of [['lost', f.lost], ['duplicates', f.duplicates], ['unknown', f.unknown], ['outboxLeft', f.outboxLeft], [
        'auditFailures',
        f.auditFailures
      ]] as const
    ) {
      if (v !== 0) violate(`crash rounds (${victim}): ${k} = ${v}`)
    }
    out.push(table(`crash rounds: ${victim} killed`, {
      rounds: f.rounds,
      acknowledged: f.acknowledged,
      delivered: f.delivered,
      'acknowledged lost': f.lost,
      duplicates: f.duplicates,
      'in inbox, never sent': f.unknown,
      'outbox left': f.outboxLeft,
      'audit verify runs/failures': `${f.auditRuns}/${f.auditFailures}`,
      seconds: f.seconds.toFixed(1)
    }))
  }
} catch (err) {
  violate(`soak aborted: ${(err as Error).stack ?? String(err)}`)
} finally {
  if (!args.keep) await rm(root, { recursive: true, force: true })
  else say(`kept ${root}`)
}
process.stdout.write(
  `\n${out.join('\n\n')}\n\nsoak ${violations.length === 0 ? 'PASSED' : `FAILED: ${violations.length} violation(s)`} in ${
    ((Date.now() - started) / 1000).toFixed(0)
  } s\n`
)
for (const v of violations.slice(0, 50)) process.stdout.write(`  - ${v}\n`)
process.exit(violations.length === 0 ? 0 : 1)
