/**
 * Flooding a real node with invalid input from one trusted peer: 10,000 envelopes that parse
 * but fail (each must earn a signed rejection), then thousands of garbage frames that reset
 * their streams, reconnecting now and then. The node's resident memory must stay bounded and a
 * concurrent well-behaved peer must get every message delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, until, type TestNode } from '../helpers/node-process.ts'
import { openHostileArena, type HostileArena } from '../helpers/hostile-arena.ts'
import {
  MESSAGE_TYPE,
  RECEIPT_TYPE,
  batch,
  concat,
  digestOf,
  envelopeBytes,
  frame,
  jsonBytes,
  messageFields,
  openReceipt,
  rssOf,
  varint,
  type HostileClient
} from '../helpers/hostile-client.ts'
import type { ApiClient } from '../../node/api/client.ts'
import { MAX_FRAME_BYTES } from '../../protocol/limits.ts'
import { DEFAULT_MAX_INBOUND_STREAMS } from '../../node/defaults.ts'

const INVALID_FRAMES = 10_000
const GARBAGE_STREAMS = 3_000
const MB = 1024 * 1024
/**
 * The node holds nothing per rejected frame or reset stream, but its working set takes a while
 * to reach its plateau: every rejection is an fsync'd audit-log write (LevelDB memtables of up
 * to 2 × 16 MiB), verification runs in a worker thread (its own heap and allocator arenas). With
 * the flags `npm start` uses (test nodes run with them), RSS after each of four floods in a row
 * was 270, 324, 371 and 374 MB on a quiet machine; without `--max-semi-space-size` the young
 * generation alone grows to 128 MiB and the plateau comes later. Under load the early steps are
 * larger. So the baseline is taken after WARM_UP_FLOODS full floods, and one more may add at
 * most MAX_RSS_GROWTH.
 */
const WARM_UP_FLOODS = 3
/**
 * Exchange v2 answers every batch with a receipt that carries a checkpoint and a proof, so a
 * flood leaves more short-lived garbage, and how much of it is still uncollected when RSS is
 * read varies: two CI runs of the same commit took their baseline at a V8 heap of 66 and of
 * 196 MB, and RSS after the flood was 161 MB lower in one and 151 MB higher in the other. The
 * bound allows for that; a node keeping ~16 KB per rejected frame (10,000 of them) still breaks it.
 */
const MAX_RSS_GROWTH = 160 * MB

describe('a flood of invalid frames from one trusted peer', () => {
  let arena: HostileArena
  let target: TestNode
  let good: TestNode
  let hostile: HostileClient
  let api: ApiClient
  let goodApi: ApiClient
  /** Memory figures in bytes, reported at the end: RSS from /proc, heap from the node's /metrics. */
  const rss: Record<string, number> = {}
  const heap: Record<string, number> = {}

  /** The node's V8 heap in use, from its Prometheus metrics (process metrics are on by default). */
  async function heapUsed (): Promise<number> {
    const token = (await readFile(join(target.dir, 'api-token'), 'utf8')).trim()
    const text = await (await fetch(`${target.runtime?.apiUrl ?? ''}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text()
    const m = /^liaison_nodejs_heap_size_used_bytes ([0-9.e+]+)$/m.exec(text)
    return m === null ? Number.NaN : Number(m[1])
  }

  beforeAll(async () => {
    arena = await openHostileArena()
    ;({ target, good, hostile } = arena)
    api = await target.client()
    goodApi = await good.client()
  })

  afterAll(async () => {
    await arena?.close()
    const mb = (o: Record<string, number>): string => Object.entries(o).map(([k, v]) => `${k} ${(v / MB).toFixed(1)}`).join(', ')
    console.log(`abuse-flood RSS (MB): ${mb(rss)}\nabuse-flood V8 heap used (MB): ${mb(heap)}`)
  })

  /** `n` envelopes that parse but fail, cycling through the reasons, with the expected code. */
  function invalidEnvelopes (n: number): Array<{ bytes: Uint8Array, reason: string, digest: string }> {
    const out: Array<{ bytes: Uint8Array, reason: string, digest: string }> = []
    const past = { created: new Date(Date.now() - 7_200_000).toISOString(), expires: new Date(Date.now() - 3_600_000).toISOString() }
    for (let i = 0; i < n; i++) {
      const kind = i % 5
      const fields = messageFields(
        hostile.peerId,
        [target.peerId],
        kind === 2 ? past : kind === 3 ? { to: [good.peerId] } : kind === 4 ? { kind: 'gossip' } : {}
      )
      const payload = jsonBytes(fields)
      const type = kind === 1 ? RECEIPT_TYPE : MESSAGE_TYPE
      const sigs = kind === 0 ? [] : [hostile.identity.signature(type, payload)]
      const reason = ['BAD_SIGNATURE', 'BAD_PAYLOAD_TYPE', 'EXPIRED', 'NOT_ADDRESSED', 'SCHEMA_INVALID'][kind]
      out.push({ bytes: batch(envelopeBytes(type, payload, sigs)), reason, digest: digestOf(type, payload) })
    }
    return out
  }

  /** Sends `cases` pipelined on one stream and checks every receipt, in order. */
  async function sendAndCheck (cases: Array<{ bytes: Uint8Array, reason: string, digest: string }>): Promise<void> {
    const s = await hostile.openStream(target.address)
    const writing = (async () => {
      for (let i = 0; i < cases.length; i += 100) await s.write(concat(cases.slice(i, i + 100).map(c => c.bytes)))
    })()
    for (const c of cases) {
      const receipt = openReceipt(await s.readFrame(30_000), target.peerId)
      if (receipt.status !== 'rejected' || receipt.reason !== c.reason || receipt.for !== c.digest) {
        expect(receipt).toMatchObject({ status: 'rejected', reason: c.reason, for: c.digest })
      }
    }
    await writing
    await s.closeWrite()
    expect((await s.end())?.how).toBe('closed')
  }

  /** `count` streams that each carry one garbage frame (no valid batch) and must be reset; reconnects after every 250. */
  async function garbageStreams (count: number, concurrency = 6): Promise<number> {
    let resets = 0
    for (let batch = 0; batch < count; batch += 250) {
      let next = batch
      const end = Math.min(count, batch + 250)
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < end) {
          next++
          const s = await hostile.openStream(target.address)
          // A frame that is no batch (its one envelope declares more bytes than follow): reset.
          await s.write(frame(concat([varint(0), varint(4096), new TextEncoder().encode(`garbage ${next} ${'x'.repeat(next % 200)}`)]))).catch(() => {})
          if ((await s.end(10_000))?.how === 'reset') resets++
        }
      }))
      await hostile.redial(target.address)
    }
    return resets
  }

  it(
    `answers ${INVALID_FRAMES.toLocaleString('en')} invalid envelopes with signed rejections and resets ${GARBAGE_STREAMS.toLocaleString('en')} garbage ` +
      `streams, memory bounded, good peer unaffected`,
    async () => {
      const pid = target.child?.pid as number
      // Warm up (JIT, heap growth, buffers, LevelDB caches) before the baseline is taken: the
      // question is whether memory keeps growing with the flood, not how big a warm heap is.
      for (let round = 0; round < WARM_UP_FLOODS; round++) {
        await Promise.all([0, 1, 2, 3].map(async () => {
          await sendAndCheck(invalidEnvelopes(INVALID_FRAMES / 4))
        }))
        await garbageStreams(GARBAGE_STREAMS)
        rss[`warm${round}`] = await rssOf(pid)
      }
      rss.before = await rssOf(pid)
      heap.before = await heapUsed()

      // The good peer sends throughout.
      const goodIds: string[] = []
      let flooding = true
      const goodTraffic = (async () => {
        let n = 0
        while (flooding) {
          const res = await goodApi.send({
            to: [target.peerId],
            kind: 'report',
            tlp: 'GREEN',
            topic: 'good-traffic',
            legalBasis: TEST_AGREEMENT,
            body: { n: n++ }
          })
          goodIds.push(res.id)
          await new Promise(resolve => setTimeout(resolve, 20))
        }
      })()

      const started = Date.now()
      const cases = invalidEnvelopes(INVALID_FRAMES)
      // Four streams at once, 2,500 pipelined frames each.
      await Promise.all([0, 1, 2, 3].map(async i => {
        await sendAndCheck(cases.slice(i * 2500, (i + 1) * 2500))
      }))
      const invalidMs = Date.now() - started
      rss.afterInvalid = await rssOf(pid)

      const garbageStarted = Date.now()
      const resets = await garbageStreams(GARBAGE_STREAMS)
      const garbageMs = Date.now() - garbageStarted
      rss.afterGarbage = await rssOf(pid)
      heap.afterGarbage = await heapUsed()
      console.log(`flood: ${INVALID_FRAMES} rejected receipts in ${invalidMs} ms; ${resets}/${GARBAGE_STREAMS} garbage streams reset in ${garbageMs} ms`)
      expect(resets).toBe(GARBAGE_STREAMS)

      flooding = false
      await goodTraffic
      expect(goodIds.length).toBeGreaterThan(50)
      await until(
        async () => (await goodApi.outbox()).filter(r => goodIds.includes(r.messageId) && r.status === 'delivered').length === goodIds.length,
        30_000,
        'good traffic delivered'
      )
      const inbox = await api.inbox({ from: good.peerId })
      expect(inbox.map(m => m.id).sort()).toEqual([...goodIds].sort())
      // Nothing from the hostile peer was stored.
      expect(await api.inbox({ from: hostile.peerId })).toEqual([])
      expect((await api.health()).status).toBe('ready')

      rss.after = await rssOf(pid)
      expect(rss.afterGarbage - rss.before).toBeLessThan(MAX_RSS_GROWTH)
      expect(rss.after - rss.before).toBeLessThan(MAX_RSS_GROWTH)
      // The V8 heap is reported, not asserted: right after a flood its "used" figure includes
      // old-generation garbage no full collection has reclaimed yet (with the small young
      // generation of `npm start`, much of a flood's short-lived data is promoted first), 29 MB
      // before and anywhere from 53 to 134 MB after in runs of this test. The heap is part of the
      // RSS bounded above, so a leak there breaks those assertions anyway.
      heap.after = await heapUsed()
    }
  )

  it(`max-size invalid frames on all ${DEFAULT_MAX_INBOUND_STREAMS} streams at once: each rejected, memory bounded by streams × frame size`, async () => {
    const pid = target.child?.pid as number
    // The largest payload whose envelope still fits one frame, under a payload type the
    // node refuses only after parsing and digesting it all.
    const payload = new Uint8Array(Math.floor((MAX_FRAME_BYTES - 420) / 4) * 3).fill(0x41)
    const envelope = envelopeBytes(RECEIPT_TYPE, payload, [hostile.identity.signature(RECEIPT_TYPE, payload)])
    expect(envelope.length).toBeLessThanOrEqual(MAX_FRAME_BYTES)
    const bytes = batch(envelope)
    expect(bytes.length - 5).toBeLessThanOrEqual(MAX_FRAME_BYTES)
    const digest = digestOf(RECEIPT_TYPE, payload)
    rss.beforeBig = await rssOf(pid)
    let peak = 0
    const sampler = setInterval(() => {
      rssOf(pid).then(v => {
        peak = Math.max(peak, v)
      }, () => {})
    }, 50)
    const started = Date.now()
    try {
      const streams = await Promise.all(Array.from({ length: DEFAULT_MAX_INBOUND_STREAMS }, async () => await hostile.openStream(target.address)))
      await Promise.all(streams.map(async (s) => {
        for (let i = 0; i < 3; i++) await s.write(bytes)
        for (let i = 0; i < 3; i++) {
          expect(openReceipt(await s.readFrame(60_000), target.peerId)).toMatchObject({ status: 'rejected', reason: 'BAD_PAYLOAD_TYPE', for: digest })
        }
        await s.closeWrite()
      }))
    } finally {
      clearInterval(sampler)
    }
    rss.peakBig = peak
    rss.afterBig = await rssOf(pid)
    console.log(`max-size frames: ${DEFAULT_MAX_INBOUND_STREAMS * 3} × ${(bytes.length / MB).toFixed(2)} MB in ${Date.now() - started} ms`)
    // Bounded by what may be in flight: one frame per stream, in a handful of copies each
    // (muxer buffer, frame decoder, UTF-8 text, base64 text, decoded payload, PAE bytes…).
    const bound = DEFAULT_MAX_INBOUND_STREAMS * MAX_FRAME_BYTES * 8
    expect(rss.peakBig - rss.beforeBig).toBeLessThan(bound)
    expect(rss.afterBig - rss.beforeBig).toBeLessThan(bound)
    expect((await api.health()).status).toBe('ready')
  })
})
