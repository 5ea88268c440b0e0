/**
 * Connection-level abuse against a real node process: strangers that get through TCP and
 * Noise but no further, a trusted peer that opens streams without end, and slow-loris frames.
 * A well-behaved peer (a real node) keeps delivering throughout, and the node stays healthy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { TEST_AGREEMENT, until, type TestNode } from '../helpers/node-process.ts'
import { openHostileArena, type HostileArena } from '../helpers/hostile-arena.ts'
import {
  HostileClient,
  MESSAGE_TYPE,
  batch,
  envelopeBytes,
  jsonBytes,
  messageFields,
  openReceipt,
  varint,
  type HostileStream
} from '../helpers/hostile-client.ts'
import { DEFAULT_MAX_INBOUND_STREAMS } from '../../node/defaults.ts'
import type { ApiClient } from '../../node/api/client.ts'

const FRAME_TIMEOUT_MS = 1500

describe('connection-level abuse', () => {
  let arena: HostileArena
  let target: TestNode
  let good: TestNode
  let hostile: HostileClient
  let stranger: HostileClient
  let api: ApiClient
  let goodApi: ApiClient

  beforeAll(async () => {
    arena = await openHostileArena({ targetExchange: { frameTimeoutMs: FRAME_TIMEOUT_MS } })
    ;({ target, good, hostile } = arena)
    stranger = await HostileClient.create()
    api = await target.client()
    goodApi = await good.client()
  })

  afterAll(async () => {
    await stranger?.stop()
    await arena?.close()
  })

  /** A frame the node can parse but rejects (no signature): it always earns a receipt. */
  const rejectable = (): Uint8Array => batch(envelopeBytes(MESSAGE_TYPE, jsonBytes(messageFields(hostile.peerId, [target.peerId])), []))

  /** Sends `count` messages good → target and waits until all are delivered. */
  async function goodPeerDelivers (count: number): Promise<void> {
    const ids = await Promise.all(
      Array.from(
        { length: count },
        async (_, n) =>
          (await goodApi.send({ to: [target.peerId], kind: 'report', tlp: 'GREEN', topic: 'good-traffic', legalBasis: TEST_AGREEMENT, body: { n } })).id
      )
    )
    await until(
      async () => (await goodApi.outbox()).filter(r => ids.includes(r.messageId) && r.status === 'delivered').length === count,
      30_000,
      'good peer delivery'
    )
    const inbox = await api.inbox({ from: good.peerId })
    expect(ids.every(id => inbox.some(m => m.id === id))).toBe(true)
  }

  describe('an untrusted peer', () => {
    it('is dropped right after Noise: its dial fails and no stream or application byte reaches the exchange', async () => {
      await expect(stranger.openStream(target.address)).rejects.toThrow()
      await until(() => target.output.includes(stranger.peerId) && target.output.includes('connection refused'), 10_000, 'refusal log')
      expect(stranger.libp2p.getConnections().filter(c => c.status === 'open')).toHaveLength(0)
      // The refusal is logged with the authenticated peer ID; nothing else mentions it.
      const lines = target.output.split('\n').filter(l => l.includes(stranger.peerId))
      expect(lines.length).toBeGreaterThan(0)
      expect(lines.every(l => l.includes('connection refused'))).toBe(true)
      expect((await api.health()).status).toBe('ready')
    })

    it('keeps being dropped when it redials in a loop, and the node stays healthy', async () => {
      for (let i = 0; i < 20; i++) await expect(stranger.openStream(target.address)).rejects.toThrow()
      await goodPeerDelivers(5)
    })

    it('a raw TCP client sending garbage instead of a handshake is disconnected', async () => {
      const closed = await new Promise<boolean>((resolve) => {
        const socket = connect(target.port, '127.0.0.1', () => {
          socket.write(Buffer.alloc(4096, 0x41))
        })
        const timer = setTimeout(() => {
          socket.destroy()
          resolve(false)
        }, 10_000)
        socket.on('data', () => {})
        socket.on('error', () => {})
        socket.on('close', () => {
          clearTimeout(timer)
          resolve(true)
        })
      })
      expect(closed).toBe(true)
      expect((await api.health()).status).toBe('ready')
    })
  })

  describe('a trusted peer opening streams in a loop', () => {
    it(`gets at most maxInboundStreams (${DEFAULT_MAX_INBOUND_STREAMS}) concurrent exchange streams; the rest fail`, async () => {
      const open: HostileStream[] = []
      let refused = 0
      for (let i = 0; i < DEFAULT_MAX_INBOUND_STREAMS + 12; i++) {
        try {
          const s = await hostile.openStream(target.address)
          open.push(s)
        } catch {
          refused++
        }
      }
      // A stream the node accepted answers a frame with a receipt; a refused one is reset.
      const answered: HostileStream[] = []
      await Promise.all(open.map(async (s) => {
        try {
          await s.write(rejectable())
          openReceipt(await s.readFrame(5_000), target.peerId)
          answered.push(s)
        } catch {
          refused++
        }
      }))
      console.log(`stream limit: ${answered.length} answered, ${refused} refused of ${DEFAULT_MAX_INBOUND_STREAMS + 12}`)
      expect(answered).toHaveLength(DEFAULT_MAX_INBOUND_STREAMS)
      expect(refused).toBe(12)
      await goodPeerDelivers(5)
      // Closing them frees the slots: a new stream works again.
      await Promise.all(answered.map(async s => {
        await s.closeWrite()
        await s.end()
      }))
      const again = await hostile.openStream(target.address)
      await again.write(rejectable())
      expect(openReceipt(await again.readFrame(), target.peerId).status).toBe('rejected')
      await again.closeWrite()
    })

    it('opening and closing 300 streams one after another leaves the node healthy', async () => {
      for (let i = 0; i < 300; i++) {
        const s = await hostile.openStream(target.address)
        await s.write(rejectable())
        await s.readFrame()
        await s.closeWrite()
        await s.end()
      }
      expect((await api.health()).status).toBe('ready')
      await goodPeerDelivers(5)
    })
  })

  describe('slow loris', () => {
    it(`a frame trickling in one byte per second is reset after frameTimeoutMs (${FRAME_TIMEOUT_MS} ms)`, async () => {
      const bytes = batch(envelopeBytes(MESSAGE_TYPE, jsonBytes(messageFields(hostile.peerId, [target.peerId])), []))
      const s = await hostile.openStream(target.address)
      const started = Date.now()
      await s.write(bytes.subarray(0, 1))
      let sent = 1
      const trickle = setInterval(() => {
        if (sent < bytes.length) s.write(bytes.subarray(sent, ++sent)).catch(() => {})
      }, 1000)
      try {
        const end = await s.end(FRAME_TIMEOUT_MS + 5_000)
        const elapsed = Date.now() - started
        console.log(`slow loris: ${end?.how ?? 'still open'} after ${elapsed} ms and ${sent} bytes`)
        expect(end?.how).toBe('reset')
        expect(elapsed).toBeLessThan(FRAME_TIMEOUT_MS + 2_500)
        expect(s.unread).toBe(0)
      } finally {
        clearInterval(trickle)
      }
    })

    it('a frame whose length prefix came but whose body never does is reset after frameTimeoutMs', async () => {
      const s = await hostile.openStream(target.address)
      const started = Date.now()
      await s.write(varint(500))
      const end = await s.end(FRAME_TIMEOUT_MS + 5_000)
      const elapsed = Date.now() - started
      console.log(`prefix only: ${end?.how ?? 'still open'} after ${elapsed} ms`)
      expect(end?.how).toBe('reset')
      expect(elapsed).toBeLessThan(FRAME_TIMEOUT_MS + 2_500)
    })

    it('a stream that pipelines whole frames slowly is not cut off (the deadline is per frame)', async () => {
      const s = await hostile.openStream(target.address)
      for (let i = 0; i < 4; i++) {
        await s.write(rejectable())
        expect(openReceipt(await s.readFrame(), target.peerId).status).toBe('rejected')
        await new Promise(resolve => setTimeout(resolve, FRAME_TIMEOUT_MS / 2))
      }
      await s.closeWrite()
      expect((await s.end())?.how).toBe('closed')
    })

    it('the node is still healthy and the good peer still delivers', async () => {
      expect((await api.health()).status).toBe('ready')
      await goodPeerDelivers(10)
    })
  })
})
