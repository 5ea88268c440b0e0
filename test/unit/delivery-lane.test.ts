/**
 * DeliveryLane against a scripted peer (a fake stream that answers every batch with a batch
 * receipt: entries in an in-memory RFC 9162 log, a checkpoint signed by a real key, a multiproof)
 * over a real LevelDB store: deliveries queued while the lane runs are all delivered in one
 * session, also when the byte window cuts batches short — a lane that lost track of queued
 * deliveries would leave them until a later session — and they travel in batches, not one by one.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { Stream } from '@libp2p/interface'
import { Store, metaOf } from '../../node/store/index.ts'
import { TrustList } from '../../node/trust/trust-list.ts'
import { DeliveryLane, enqueueOutbound } from '../../node/exchange/index.ts'
import { issueCheckpoint } from '../../node/audit/checkpoints.ts'
import { decodeBatch, encodeBatchReceipt } from '../../protocol/batch.ts'
import { MerkleAppender, memoryNodeStore } from '../../protocol/merkle-tree.ts'
import { leafHash } from '../../protocol/merkle.ts'
import { multiProof } from '../../protocol/merkle-multiproof.ts'
import type { DeliveryRecord } from '../../node/store/index.ts'
import { decodeEnvelope, encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import { generateSigner } from '../../protocol/keys.ts'
import { encodeMessage } from '../../protocol/message.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { PAYLOAD_TYPES, type MessageV1, type Signer } from '../../protocol/types.ts'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(
    dirs.splice(0).map(async d => {
      await rm(d, { recursive: true, force: true })
    })
  )
})

/** The peer's audit log, in memory (entries only say what the sender checks). */
const log = { tree: new MerkleAppender(), nodes: memoryNodeStore() }

/** The peer: answers each batch with a batch receipt accepting all of it, in order. */
class PeerStream {
  readonly frames: number[] = []
  readonly batches: number[] = []
  private pending: Array<Promise<Uint8Array>> = []
  private readonly decoder = new FrameDecoder()
  private readonly out: Uint8Array[] = []
  private wake: (() => void) | undefined
  private ended = false
  private readonly peer: Signer
  /** false: the connection drops after the first write, unanswered (a lost session). */
  private readonly answers: boolean
  constructor (peer: Signer, answers = true) {
    this.peer = peer
    this.answers = answers
  }

  send (data: Uint8Array): boolean {
    if (!this.answers) {
      for (const frame of this.decoder.push(data.slice())) this.batches.push(decodeBatch(frame).envelopes.length)
      setTimeout(() => {
        this.abort()
      }, 20)
      return true
    }
    for (const frame of this.decoder.push(data.slice())) {
      const { envelopes } = decodeBatch(frame)
      this.batches.push(envelopes.length)
      const results = envelopes.map(bytes => {
        const env = decodeEnvelope(bytes)
        const msg = JSON.parse(new TextDecoder().decode(env.payload)) as MessageV1
        this.frames.push(bytes.length)
        const entry = JSON.stringify({ v: 1, type: 'message.received', at: new Date().toISOString(), digest: envelopeDigest(env), id: msg.id })
        const leaf = log.tree.size
        log.nodes.put(log.tree.append(leafHash(new TextEncoder().encode(entry))).nodes)
        return { leaf, entry }
      })
      const size = log.tree.size
      const checkpoint = issueCheckpoint(this.peer, size, log.tree.root(), Math.floor(Date.now() / 1000))
      this.pending.push(
        multiProof(log.nodes, results.map(r => r.leaf), size).then(proof =>
          encodeFrame(encodeBatchReceipt({ v: 2, checkpoint, results, proof, consistency: null }))
        )
      )
    }
    void Promise.all(this.pending).then(frames => {
      this.out.push(...frames)
      this.pending = []
      this.wake?.()
    })
    return true
  }

  async *[Symbol.asyncIterator] (): AsyncGenerator<Uint8Array> {
    while (true) {
      const next = this.out.shift()
      if (next != null) {
        yield next
        continue
      }
      if (this.ended) return
      await new Promise<void>(resolve => {
        this.wake = resolve
      })
    }
  }

  async onDrain (): Promise<void> {}
  async close (): Promise<void> {
    this.ended = true
    this.wake?.()
  }
  abort (): void {
    this.ended = true
    this.wake?.()
  }
}

async function setUp (
  windowBytes: number,
  dropFirst = false
): Promise<
  {
    store: Store,
    lane: DeliveryLane,
    dials: PeerStream[],
    dialedAt: number[],
    delivered: DeliveryRecord[],
    queue: (n: number, bodyBytes: number) => Promise<void>
  }
> {
  const dir = await mkdtemp(join(tmpdir(), 'liaison-lane-'))
  dirs.push(dir)
  const store = await Store.open(join(dir, 'store'))
  const trust = await TrustList.load(store)
  const self = generateSigner().signer
  const peer = generateSigner().signer
  await trust.add({ peerId: peer.peerId, name: 'peer', addresses: [`/ip4/127.0.0.1/tcp/9/p2p/${peer.peerId}`] })
  const envelopes = new Map<string, Uint8Array>()
  const dials: PeerStream[] = []
  const dialedAt: number[] = []
  const delivered: DeliveryRecord[] = []
  const lane = new DeliveryLane({
    store,
    trust,
    logger: pino({ level: 'silent' }),
    dial: async () => {
      const s = new PeerStream(peer, !dropFirst || dials.length > 0)
      dials.push(s)
      dialedAt.push(Date.now())
      return s as unknown as Stream
    },
    envelopeOf: async (digest) => envelopes.get(digest),
    onDelivery: (record) => {
      delivered.push(record)
    }
  }, { peerId: peer.peerId, window: 64, windowBytes, retryBaseMs: 10, retryCapMs: 50, receiptTimeoutMs: 5_000, idleCloseMs: 60_000 })
  const queue = async (n: number, bodyBytes: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const now = Date.now()
      const msg: MessageV1 = {
        v: 1,
        id: uuidV7(now, randomBytes(10)),
        kind: 'report',
        from: self.peerId,
        to: [peer.peerId],
        created: new Date(now).toISOString(),
        expires: new Date(now + 86_400_000).toISOString(),
        tlp: 'AMBER',
        handling: [],
        topic: 'fraud',
        legalBasis: 'EU-2024-17',
        body: { text: randomBytes(bodyBytes).toString('base64') }
      }
      const env = signEnvelope(PAYLOAD_TYPES.message, encodeMessage(msg), self)
      const digest = envelopeDigest(env)
      const bytes = encodeEnvelope(env)
      envelopes.set(digest, bytes)
      const [record] = await enqueueOutbound(store, metaOf(msg, digest, 'out', now), bytes, [peer.peerId], now)
      lane.offer(record)
    }
  }
  return { store, lane, dials, dialedAt, delivered, queue }
}

async function until (check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise(resolve => setTimeout(resolve, 10))
  expect(check()).toBe(true)
}

describe('DeliveryLane', () => {
  for (
    const [what, windowBytes, bodyBytes] of [['within the frame window', 1 << 30, 100], ['with batches cut short by the byte window', 3_000, 1_000]] as const
  ) {
    it(`delivers everything queued while it runs, each once, in one session (${what})`, async () => {
      const { store, lane, dials, delivered, queue } = await setUp(windowBytes)
      lane.start()
      await queue(5, bodyBytes)
      await until(() => delivered.length === 5)
      // More work while the session is up, in bursts, as the API would queue it.
      await Promise.all([queue(40, bodyBytes), queue(40, bodyBytes)])
      await until(() => delivered.length === 85)
      expect(dials).toHaveLength(1)
      expect(dials[0].frames).toHaveLength(85)
      // Batches, not one frame per message (the first 5 may leave alone: nothing was in flight).
      expect(dials[0].batches.length).toBeLessThan(85)
      expect(new Set(delivered.map(d => d.digest)).size).toBe(85)
      expect(delivered.every(d => d.status === 'delivered')).toBe(true)
      expect(await store.pendingFor(lane.peerId, 1000)).toEqual([])
      await lane.stop()
      await store.close()
    })
  }

  it('records the first transmission (sentAt) and keeps it when a session is lost before the receipt', async () => {
    const { store, lane, dials, dialedAt, delivered, queue } = await setUp(1 << 30, true)
    const queuedAt = Date.now()
    await queue(3, 100)
    lane.start()
    await until(() => delivered.length === 3)
    expect(dials.length).toBeGreaterThanOrEqual(2)
    expect(dials[0].batches.reduce((a, b) => a + b, 0)).toBe(3)
    for (const d of delivered) {
      // Sent first on the lost session, delivered on a later one: the first time is kept.
      expect(d.sentAt).toBeGreaterThanOrEqual(queuedAt)
      expect(d.sentAt).toBeLessThan(dialedAt[1])
    }
    await lane.stop()
    await store.close()
  })
})
