/**
 * A benchmark agent: one child process running a real Liaison node in-process, driven over
 * IPC by the benchmark orchestrator. Besides the node's own exchange protocol it serves a raw
 * length-prefixed request/ack protocol over the same libp2p host, so that the ceiling (raw
 * libp2p) and the product (full exchange) are measured between the same two processes.
 */
import { pino } from 'pino'
import type { Stream } from '@libp2p/interface'
import { LiaisonNode } from '../../node/liaison-node.ts'
import { dialTargets } from '../../node/transport.ts'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import type { SendInput } from '../../node/service.ts'
import type { DeliveryRecord } from '../../node/store/records.ts'

export const RAW_PROTOCOL = '/liaison-bench/raw/1.0.0'

export type AgentRequest =
  | { op: 'raw', peerId: string, address: string, count: number, frameBytes: number, window: number }
  | { op: 'ingest', to: string[], count: number, bodyBytes: number, concurrency: number }
  | { op: 'latency', to: string, count: number, bodyBytes: number }
  | { op: 'rss' }
  | { op: 'stop' }

const dir = process.argv[2]
const node = await LiaisonNode.start(dir, { logger: pino({ level: 'warn' }) })

await node.libp2p.handle(RAW_PROTOCOL, async (stream: Stream) => {
  const decoder = new FrameDecoder()
  const ack = encodeFrame(new Uint8Array(100))
  for await (const chunk of stream) {
    for (const _frame of decoder.push(chunk)) {
      if (!stream.send(ack)) await stream.onDrain()
    }
  }
  await stream.close()
}, { maxInboundStreams: 16 })

function bodyOf (bytes: number, n: number): Record<string, unknown> {
  return { n, text: 'x'.repeat(Math.max(0, bytes - 20)) }
}

function message (to: string[], bodyBytes: number, n: number): SendInput {
  return { to, kind: 'report', tlp: 'AMBER', topic: 'benchmark', legalBasis: 'BENCH-1', body: bodyOf(bodyBytes, n) }
}

async function raw (req: Extract<AgentRequest, { op: 'raw' }>): Promise<unknown> {
  const stream = await node.libp2p.dialProtocol(dialTargets(req.peerId, [req.address]), RAW_PROTOCOL)
  const frame = encodeFrame(new Uint8Array(req.frameBytes).fill(7))
  const decoder = new FrameDecoder()
  let acked = 0
  let sent = 0
  const started = performance.now()
  let wake: (() => void) | undefined
  const reader = (async () => {
    for await (const chunk of stream) {
      acked += decoder.push(chunk).length
      wake?.()
      if (acked >= req.count) break
    }
  })()
  while (sent < req.count) {
    if (sent - acked >= req.window) { await new Promise<void>(resolve => { wake = resolve }); continue }
    sent++
    if (!stream.send(frame)) await stream.onDrain()
  }
  await reader
  const seconds = (performance.now() - started) / 1000
  await stream.close()
  return { count: req.count, seconds, rate: req.count / seconds }
}

async function ingest (req: Extract<AgentRequest, { op: 'ingest' }>): Promise<unknown> {
  const expected = req.count * req.to.length
  let final = 0
  let bad = 0
  const done = new Promise<void>(resolve => {
    node.outbox.on('delivery', (r: DeliveryRecord) => {
      final++
      if (r.status !== 'delivered') bad++
      if (final >= expected) resolve()
    })
  })
  const started = performance.now()
  let next = 0
  await Promise.all(Array.from({ length: req.concurrency }, async () => {
    while (next < req.count) {
      const n = next++
      await node.service.send(message(req.to, req.bodyBytes, n))
    }
  }))
  const queuedSeconds = (performance.now() - started) / 1000
  await done
  const seconds = (performance.now() - started) / 1000
  return { count: req.count, recipients: req.to.length, seconds, queuedSeconds, rate: expected / seconds, notDelivered: bad }
}

async function latency (req: Extract<AgentRequest, { op: 'latency' }>): Promise<unknown> {
  const samples: number[] = []
  for (let i = 0; i < req.count; i++) {
    const t0 = performance.now()
    const res = await node.service.send(message([req.to], req.bodyBytes, i), { wait: true, timeoutMs: 30_000 })
    samples.push(performance.now() - t0)
    if (res.recipients[0].status !== 'delivered') throw new Error(`latency probe not delivered: ${JSON.stringify(res.recipients)}`)
  }
  return { samples }
}

process.on('message', (req: AgentRequest & { seq: number }) => {
  const reply = (value: unknown): void => { process.send?.({ seq: req.seq, value }) }
  const fail = (err: unknown): void => { process.send?.({ seq: req.seq, error: (err as Error).stack ?? String(err) }) }
  switch (req.op) {
    case 'raw': raw(req).then(reply, fail); break
    case 'ingest': ingest(req).then(reply, fail); break
    case 'latency': latency(req).then(reply, fail); break
    case 'rss': reply({ rss: process.memoryUsage().rss }); break
    case 'stop': node.stop().then(() => { reply({}); process.exit(0) }, fail); break
  }
})
process.send?.({ ready: node.runtime() })
