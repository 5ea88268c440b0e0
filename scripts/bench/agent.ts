/**
 * A benchmark agent: one child process running a real Liaison node in-process, driven over
 * IPC by the benchmark orchestrator. Besides the node's own exchange protocol it serves a raw
 * length-prefixed request/ack protocol over the same libp2p host, so that the ceiling (raw
 * libp2p) and the product (full exchange) are measured between the same two processes.
 *
 * Every sending operation remembers what it sent; the `check` operation then verifies, after
 * the clock stopped, that each message reached `delivered` and that the receipt stored for it
 * verifies under the recipient's key. The orchestrator refuses to report a run that fails it.
 *
 *     node scripts/bench/agent.ts DATA_DIR [LOG_LEVEL]     (forked by agents.ts)
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import type { Session } from 'node:inspector/promises'
import { pino } from 'pino'
import type { Stream } from '@libp2p/interface'
import { LiaisonNode } from '../../node/runtime/liaison-node.ts'
import { dialTargets } from '../../node/addresses/dial-targets.ts'
import { checkReceiptEvidence, parseReceiptEvidence } from '../../protocol/receipt-evidence.ts'
import { openNodeCheckpoint } from '../../node/audit/checkpoints.ts'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import type { SendInput } from '../../node/service/liaison-service.ts'
import type { DeliveryRecord } from '../../node/store/index.ts'
import {
  BENCH_LEGAL_BASIS,
  RAW_PROTOCOL,
  type AgentRequest,
  type DeliveryCheck,
  type FanoutResult,
  type InboxResult,
  type InfoResult,
  type IngestResult,
  type LatencyResult,
  type OpenLoopResult,
  type ProbeResult,
  type RawResult
} from './agent-api.ts'

const dir = process.argv[2]
const node = await LiaisonNode.start(dir, { logger: pino({ level: process.argv[3] ?? 'warn' }) })

/** The size of an accepted receipt of this node: the raw protocol's acks are this long. */
/**
 * Raw acks stand for batch receipts (exchange v2): a frame carrying `n` envelopes is acked with
 * `ackBytes · n + ACK_BASE_BYTES` bytes — per message about one `message.received` entry and its
 * leaf index, per batch the checkpoint note and the multiproof. The sender writes n into the
 * first two bytes of each raw frame.
 */
const ackBytes = 800
const ACK_BASE_BYTES = 1200

let accepted = 0
node.receiver.on('accepted', () => {
  accepted++
})

await node.libp2p.handle(RAW_PROTOCOL, async (stream: Stream) => {
  const decoder = new FrameDecoder()
  const acks = new Map<number, Uint8Array>()
  for await (const chunk of stream) {
    for (const frame of decoder.push(chunk)) {
      const n = frame.length >= 2 ? (frame[0] << 8) | frame[1] : 1
      let ack = acks.get(n)
      if (ack == null) {
        ack = encodeFrame(new Uint8Array(ackBytes * Math.max(1, n) + ACK_BASE_BYTES).fill(0x61))
        acks.set(n, ack)
      }
      if (!stream.send(ack)) await stream.onDrain()
    }
  }
  await stream.close()
}, { maxInboundStreams: 16 })

// ---- messages ---------------------------------------------------------------------------

/**
 * Bodies of about `bytes` bytes of JSON: random base64 text (storage cannot compress it away),
 * drawn from a pool made before any clock starts so the measured runs do not pay for it.
 */
const pools = new Map<number, string[]>()
function textOf (bytes: number, n: number): string {
  let pool = pools.get(bytes)
  if (pool == null) {
    const chars = Math.max(0, bytes - 24)
    pool = Array.from({ length: 64 }, () => randomBytes(Math.ceil(chars * 3 / 4)).toString('base64').slice(0, chars))
    pools.set(bytes, pool)
  }
  return pool[n % pool.length]
}

function message (to: string[], bodyBytes: number, n: number): SendInput {
  return { to, kind: 'report', tlp: 'AMBER', topic: 'benchmark', legalBasis: BENCH_LEGAL_BASIS, body: { n, text: textOf(bodyBytes, n) } }
}

const sleep = async (ms: number): Promise<void> => {
  await new Promise(resolve => setTimeout(resolve, ms))
}

// ---- watching deliveries and checking them afterwards -----------------------------------

interface Watch {
  /** performance.now() of each final delivery, by digest!recipient. */
  at: Map<string, number>
  records: Map<string, DeliveryRecord[]>
  stop: () => void
  waitFor: (n: number, timeoutMs: number) => Promise<void>
}

function watchDeliveries (): Watch {
  const at = new Map<string, number>()
  const records = new Map<string, DeliveryRecord[]>()
  let total = 0
  let target = Infinity
  let reached: (() => void) | undefined
  const listener = (r: DeliveryRecord): void => {
    at.set(r.digest + '!' + r.recipient, performance.now())
    const list = records.get(r.digest) ?? []
    list.push(r)
    records.set(r.digest, list)
    if (++total >= target) reached?.()
  }
  node.outbox.on('delivery', listener)
  return {
    at,
    records,
    stop: () => {
      node.outbox.off('delivery', listener)
    },
    waitFor: async (n, timeoutMs) => {
      if (total >= n) return
      target = n
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>(resolve => {
          reached = resolve
        }),
        new Promise<void>((_resolve, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`only ${total} of ${n} deliveries reached a final state within ${timeoutMs} ms`))
          }, timeoutMs)
        })
      ]).finally(() => {
        clearTimeout(timer)
      })
    }
  }
}

/** What the last sending operation sent, for `check`. */
let lastRun: { digests: string[], recipients: string[], records: Map<string, DeliveryRecord[]> } | undefined

async function check (): Promise<DeliveryCheck> {
  if (lastRun == null) throw new Error('check: nothing was sent')
  const { digests, recipients, records } = lastRun
  lastRun = undefined
  let notDelivered = 0
  const problems: string[] = []
  const problem = (text: string): void => {
    if (problems.length < 10) problems.push(text)
  }
  for (const digest of digests) {
    const finals = records.get(digest) ?? []
    for (const r of recipients) if (!finals.some(f => f.recipient === r && f.status === 'delivered')) notDelivered++
  }
  let receiptsChecked = 0
  const checkedNotes = new Set<string>()
  for (const recipient of recipients) {
    const key = node.trust.key(recipient)
    if (key == null) {
      problem(`no key for ${recipient}`)
      continue
    }
    for (let i = 0; i < digests.length; i += 1024) {
      const chunk = digests.slice(i, i + 1024)
      const stored = await node.store.rcpt.getMany(chunk.map(d => d + '!' + recipient))
      stored.forEach((bytes, j) => {
        receiptsChecked++
        if (bytes == null) {
          problem(`no receipt stored for ${chunk[j]} from ${recipient}`)
          return
        }
        try {
          // Exchange v2: the evidence kept from the batch receipt, proof and checkpoint checked.
          const evidence = parseReceiptEvidence(bytes)
          if (evidence.for !== chunk[j] || evidence.by !== key.peerId) throw new Error('evidence names another message or recipient')
          checkReceiptEvidence(evidence)
          if (!checkedNotes.has(evidence.checkpoint)) {
            openNodeCheckpoint(evidence.checkpoint, [key.peerId])
            checkedNotes.add(evidence.checkpoint)
          }
          if (evidence.status !== 'accepted') problem(`receipt for ${chunk[j]} says ${evidence.status} (${evidence.reason ?? ''})`)
        } catch (err) {
          problem(`receipt for ${chunk[j]} does not verify: ${(err as Error).message}`)
        }
      })
    }
  }
  return { expected: digests.length * recipients.length, notDelivered, receiptsChecked, problems }
}

// ---- operations -------------------------------------------------------------------------

async function raw (req: Extract<AgentRequest, { op: 'raw' }>): Promise<RawResult> {
  const stream = await node.libp2p.dialProtocol(dialTargets(req.peerId, [req.address]), RAW_PROTOCOL)
  // The same bytes in the same frames as the exchange: `perFrame` envelopes per frame (a batch).
  const perFrame = Math.max(1, req.perFrame ?? 1)
  const body = new Uint8Array(req.frameBytes * perFrame).fill(0x61)
  body[0] = perFrame >> 8
  body[1] = perFrame & 0xff
  const frame = encodeFrame(body)
  const decoder = new FrameDecoder()
  let acked = 0
  let sent = 0
  const started = performance.now()
  let wake: (() => void) | undefined
  const reader = (async () => {
    for await (const chunk of stream) {
      acked += decoder.push(chunk).length * perFrame
      wake?.()
      if (acked >= req.count) break
    }
  })()
  while (sent < req.count) {
    if (sent - acked >= req.window) {
      await new Promise<void>(resolve => {
        wake = resolve
      })
      continue
    }
    sent += perFrame
    if (!stream.send(frame)) await stream.onDrain()
  }
  await reader
  const seconds = (performance.now() - started) / 1000
  await stream.close()
  if (acked < req.count) throw new Error(`raw: ${acked} acks for ${req.count} frames`)
  return { count: req.count, seconds, rate: req.count / seconds }
}

async function probe (req: Extract<AgentRequest, { op: 'probe' }>): Promise<ProbeResult> {
  const res = await node.service.send(message([req.to], req.bodyBytes, 0), { wait: true, timeoutMs: 30_000 })
  if (res.recipients[0].status !== 'delivered') throw new Error(`probe not delivered: ${JSON.stringify(res.recipients)}`)
  const envelope = await node.store.getEnvelope(res.digest)
  const receipt = await node.store.getReceipt(res.digest, req.to)
  if (envelope == null || receipt == null) throw new Error('probe: envelope or receipt not stored')
  return { envelopeBytes: envelope.length, receiptBytes: receipt.length }
}

async function ingest (req: Extract<AgentRequest, { op: 'ingest' }>): Promise<IngestResult> {
  const expected = req.count * req.to.length
  textOf(req.bodyBytes, 0)
  const watch = watchDeliveries()
  const digests: string[] = []
  try {
    const started = performance.now()
    let next = 0
    await Promise.all(Array.from({ length: req.concurrency }, async () => {
      while (next < req.count) {
        const n = next++
        digests.push((await node.service.send(message(req.to, req.bodyBytes, n))).digest)
      }
    }))
    const queuedSeconds = (performance.now() - started) / 1000
    await watch.waitFor(expected, 120_000 + req.count * 10)
    const seconds = (performance.now() - started) / 1000
    return { count: req.count, recipients: req.to.length, seconds, queuedSeconds, rate: expected / seconds }
  } finally {
    watch.stop()
    lastRun = { digests, recipients: req.to, records: watch.records }
  }
}

/** Light load: one message in flight; send → verified receipt (durably recorded) per message. */
async function latency (req: Extract<AgentRequest, { op: 'latency' }>): Promise<LatencyResult> {
  textOf(req.bodyBytes, 0)
  const samples: number[] = []
  const digests: string[] = []
  const watch = watchDeliveries()
  try {
    for (let i = 0; i < req.count; i++) {
      const t0 = performance.now()
      const res = await node.service.send(message([req.to], req.bodyBytes, i), { wait: true, timeoutMs: 30_000 })
      samples.push(performance.now() - t0)
      digests.push(res.digest)
    }
    return { samples }
  } finally {
    watch.stop()
    lastRun = { digests, recipients: [req.to], records: watch.records }
  }
}

/**
 * Open loop: sends are issued on a fixed schedule (rate per second) whatever the node does, and
 * each latency runs from the send's scheduled time to its `delivery` event — so a node that
 * falls behind shows it in the latencies instead of silently slowing the schedule down.
 */
async function openLoop (req: Extract<AgentRequest, { op: 'open-loop' }>): Promise<OpenLoopResult> {
  textOf(req.bodyBytes, 0)
  const interval = 1000 / req.rate
  const scheduled = new Map<string, number>()
  const watch = watchDeliveries()
  const sends: Array<Promise<void>> = []
  let failure: unknown
  let maxLag = 0
  try {
    const start = performance.now() + 2
    let issued = 0
    while (issued < req.count) {
      const now = performance.now()
      const due = Math.min(req.count, Math.floor((now - start) / interval) + 1)
      while (issued < due) {
        const t = start + issued * interval
        maxLag = Math.max(maxLag, now - t)
        const n = issued++
        sends.push(
          node.service.send(message([req.to], req.bodyBytes, n)).then(res => {
            scheduled.set(res.digest, t)
          }, (err: unknown) => {
            failure ??= err
          })
        )
      }
      const wait = start + issued * interval - performance.now()
      if (wait > 0) await sleep(wait)
    }
    const issueSeconds = (performance.now() - start) / 1000
    await Promise.all(sends)
    if (failure != null) throw failure
    await watch.waitFor(req.count, 120_000)
    const samples: number[] = []
    for (const [digest, t] of scheduled) samples.push((watch.at.get(digest + '!' + req.to) ?? NaN) - t)
    return { samples, rate: req.count / issueSeconds, issueSeconds, maxIssueLagMs: maxLag }
  } finally {
    watch.stop()
    lastRun = { digests: [...scheduled.keys()], recipients: [req.to], records: watch.records }
  }
}

/** One message to many recipients: time from send to the last verified, recorded receipt. */
async function fanout (req: Extract<AgentRequest, { op: 'fanout' }>): Promise<FanoutResult> {
  textOf(req.bodyBytes, 0)
  const watch = watchDeliveries()
  const digests: string[] = []
  try {
    const t0 = performance.now()
    const res = await node.service.send(message(req.to, req.bodyBytes, 0))
    digests.push(res.digest)
    await watch.waitFor(req.to.length, 60_000)
    const ms = performance.now() - t0
    return { ms, perRecipientMs: req.to.map(r => (watch.at.get(res.digest + '!' + r) ?? NaN) - t0) }
  } finally {
    watch.stop()
    lastRun = { digests, recipients: req.to, records: watch.records }
  }
}

async function inbox (): Promise<InboxResult> {
  let count = 0
  const keys = node.store.inbox.keys()
  while ((await keys.next()) !== undefined) count++
  await keys.close()
  return { count, accepted }
}

/** CPU profiling of exactly the window between two requests (same format as --cpu-prof). */
let profiler: Session | undefined
async function profileStart (intervalUs: number): Promise<unknown> {
  // Loaded here: an agent that is not profiled should carry what an operator's node carries.
  const { Session } = await import('node:inspector/promises')
  profiler = new Session()
  profiler.connect()
  await profiler.post('Profiler.enable')
  await profiler.post('Profiler.setSamplingInterval', { interval: intervalUs })
  await profiler.post('Profiler.start')
  return {}
}

async function profileStop (file: string): Promise<unknown> {
  if (profiler == null) throw new Error('profiler not started')
  const { profile } = await profiler.post('Profiler.stop')
  profiler.disconnect()
  profiler = undefined
  await writeFile(file, JSON.stringify(profile))
  return { file }
}

process.on('message', (req: AgentRequest & { seq: number }) => {
  const reply = (value: unknown): void => {
    process.send?.({ seq: req.seq, value })
  }
  const fail = (err: unknown): void => {
    process.send?.({ seq: req.seq, error: (err as Error).stack ?? String(err) })
  }
  switch (req.op) {
    case 'raw':
      raw(req).then(reply, fail)
      break
    case 'probe':
      probe(req).then(reply, fail)
      break
    case 'ingest':
      ingest(req).then(reply, fail)
      break
    case 'latency':
      latency(req).then(reply, fail)
      break
    case 'open-loop':
      openLoop(req).then(reply, fail)
      break
    case 'fanout':
      fanout(req).then(reply, fail)
      break
    case 'check':
      check().then(reply, fail)
      break
    case 'inbox':
      inbox().then(reply, fail)
      break
    case 'info':
      reply({ peerId: node.signer.peerId, ackBytes, deliveryWindow: node.config.exchange.deliveryWindow } satisfies InfoResult)
      break
    case 'profile-start':
      profileStart(req.intervalUs).then(reply, fail)
      break
    case 'profile-stop':
      profileStop(req.file).then(reply, fail)
      break
    case 'rss':
      reply(process.memoryUsage())
      break
    case 'stop':
      node.stop().then(() => {
        reply({})
        process.exit(0)
      }, fail)
      break
  }
})
// An orchestrator that dies must not leave nodes behind.
process.on('disconnect', () => {
  process.exit(1)
})
process.send?.({ ready: node.runtime() })
