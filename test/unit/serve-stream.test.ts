/**
 * serveExchangeStream with a scripted stream and receiver (unit test of that one module; the
 * real thing over libp2p is covered by test/e2e/exchange.test.ts and the hostile-input suite).
 */
import { describe, expect, it } from 'vitest'
import pino from 'pino'
import type { Connection, Stream } from '@libp2p/interface'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import { serveExchangeStream } from '../../node/exchange/index.ts'
import { COALESCE_BYTES, FrameBatch } from '../../node/exchange/frame-batch.ts'
import type { Receiver, ReceiveOutcome } from '../../node/exchange/index.ts'

const logger = pino({ level: 'silent' })
const connection = { remotePeer: { toString: () => 'remote-peer' } } as unknown as Connection

/** A stream whose inbound chunks the test pushes, recording what the server writes. */
class ScriptedStream {
  readonly writes: Uint8Array[] = []
  closed = false
  aborted: Error | undefined
  private readonly chunks: Uint8Array[] = []
  private ended = false
  private wake: (() => void) | undefined
  /** Chunks the server has taken from the stream so far. */
  taken = 0

  push (chunk: Uint8Array): void {
    this.chunks.push(chunk)
    this.wake?.()
  }
  end (): void {
    this.ended = true
    this.wake?.()
  }

  async *[Symbol.asyncIterator] (): AsyncGenerator<Uint8Array> {
    while (true) {
      const next = this.chunks.shift()
      if (next != null) {
        this.taken++
        yield next
        continue
      }
      if (this.ended) return
      await new Promise<void>(resolve => {
        this.wake = resolve
      })
    }
  }

  send (data: Uint8Array): boolean {
    this.writes.push(data.slice())
    return true
  }
  async onDrain (): Promise<void> {}
  async close (): Promise<void> {
    this.closed = true
  }
  abort (err: Error): void {
    this.aborted = err
  }
}

/** A receiver that answers each frame (batch) with a receipt naming it, once `release` is called. */
function scriptedReceiver (): { receiver: Receiver, seen: Uint8Array[], release: () => void } {
  const seen: Uint8Array[] = []
  let gate!: () => void
  const opened = new Promise<void>(resolve => {
    gate = resolve
  })
  const receiver = {
    receiveBatch: async (frame: Uint8Array): Promise<ReceiveOutcome> => {
      seen.push(frame.slice())
      await opened
      const receipt = new TextEncoder().encode(`receipt:${new TextDecoder().decode(frame)}`)
      return { kind: 'receipt', results: [{ status: 'accepted', digest: 'd' }], receipt }
    },
    refuseFrame: async () => {}
  } as unknown as Receiver
  return { receiver, seen, release: gate }
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b)
const frameOf = (s: string): Uint8Array => encodeFrame(new TextEncoder().encode(s))

describe('serveExchangeStream', () => {
  it('answers every frame in order, receipts that are ready together in one write', async () => {
    const stream = new ScriptedStream()
    const { receiver, release } = scriptedReceiver()
    const serving = serveExchangeStream(stream as unknown as Stream, connection, receiver, logger, { frameTimeoutMs: 5_000 })
    const names = Array.from({ length: 50 }, (_, i) => `m${i}`)
    for (const n of names) stream.push(frameOf(n))
    stream.end()
    await new Promise(resolve => setTimeout(resolve, 20))
    release()
    await serving
    const decoder = new FrameDecoder()
    const answers = stream.writes.flatMap(w => decoder.push(w)).map(text)
    expect(answers).toEqual(names.map(n => `receipt:${n}`))
    expect(stream.writes.length).toBeLessThan(5)
    expect(stream.closed).toBe(true)
    expect(stream.aborted).toBeUndefined()
  })

  it('stops reading while the frames in processing reach the byte limit, and resumes after', async () => {
    const stream = new ScriptedStream()
    const { receiver, seen, release } = scriptedReceiver()
    const big = 'x'.repeat(10_000)
    const serving = serveExchangeStream(stream as unknown as Stream, connection, receiver, logger, { frameTimeoutMs: 5_000, maxPendingBytes: 25_000 })
    for (let i = 0; i < 10; i++) stream.push(frameOf(`${i}${big}`))
    stream.end()
    await new Promise(resolve => setTimeout(resolve, 50))
    // Three 10 kB frames reach the 25 kB limit: the fourth chunk is not read until they are answered.
    expect(seen.length).toBe(3)
    expect(stream.taken).toBe(3)
    release()
    await serving
    expect(seen.length).toBe(10)
    const decoder = new FrameDecoder()
    expect(stream.writes.flatMap(w => decoder.push(w)).length).toBe(10)
  })
})

describe('FrameBatch', () => {
  it('joins frames into one buffer and starts empty again', () => {
    const batch = new FrameBatch()
    batch.push(frameOf('a'))
    batch.push(frameOf('bc'))
    expect(batch.bytes).toBe(5)
    const out = batch.take()
    expect(new FrameDecoder().push(out).map(text)).toEqual(['a', 'bc'])
    expect(batch.bytes).toBe(0)
  })

  it('hands a single frame over without copying it', () => {
    const batch = new FrameBatch()
    const frame = frameOf('only')
    batch.push(frame)
    expect(batch.take()).toBe(frame)
  })

  it('keeps a write within one Noise message', () => {
    expect(COALESCE_BYTES).toBeLessThanOrEqual(65_535 - 16)
  })
})
