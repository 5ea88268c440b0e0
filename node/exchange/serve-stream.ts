/**
 * Serving one inbound `/liaison/exchange/2.0.0` stream: read length-prefixed frames (each a
 * batch of envelopes), hand each to the receiver as it arrives (so verification and group
 * commit of consecutive batches overlap), and write the batch receipts back in frame order,
 * honouring backpressure. An unparseable or oversize frame or batch, or a frame that does not
 * complete in time, resets the stream.
 *
 * @module
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import { ProtocolError, type ReasonCode } from '../../protocol/errors.ts'
import type { Receiver, ReceiveOutcome } from './receiver.ts'
import { COALESCE_BYTES, FrameBatch } from './frame-batch.ts'
import { DEFAULT_STREAM_PENDING_BYTES, DEFAULT_STREAM_PENDING_FRAMES } from '../defaults.ts'

export interface ServeInit {
  frameTimeoutMs: number
  /** Frames being processed at once on one stream before reading pauses. */
  maxPending?: number
  /** Bytes of those frames before reading pauses. */
  maxPendingBytes?: number
}

export async function serveExchangeStream (stream: Stream, connection: Connection, receiver: Receiver, logger: Logger, init: ServeInit): Promise<void> {
  const remote = connection.remotePeer.toString()
  const decoder = new FrameDecoder()
  const maxPending = init.maxPending ?? DEFAULT_STREAM_PENDING_FRAMES
  const maxPendingBytes = init.maxPendingBytes ?? DEFAULT_STREAM_PENDING_BYTES
  let pending = 0
  let pendingBytes = 0
  let chain: Promise<void> = Promise.resolve()
  let failed = false
  let frameTimer: NodeJS.Timeout | undefined

  /** Reset the stream; `audit` for failures below the envelope (the receiver audits its own). */
  const reset = (reason: ReasonCode, detail?: string, audit = true): void => {
    if (failed) return
    failed = true
    logger.warn({ peer: remote, reason, detail }, 'exchange stream reset')
    if (audit) void receiver.refuseFrame(remote, reason, detail)
    stream.abort(new ProtocolError(reason, `stream reset: ${reason}${detail != null ? ` (${detail})` : ''}`))
  }
  // The frame deadline runs from a frame's first byte to its last. It is armed when a frame
  // begins and NOT pushed back by further bytes of the same frame: re-arming on every chunk
  // (as this once did) let a peer trickling one byte per second hold a stream and its buffer
  // open indefinitely. It is keyed on `decoder.inFrame`, not `buffered > 0`, so a frame whose
  // length prefix has arrived but none of its body is timed too.
  const armFrameTimer = (completedFrames: number): void => {
    if (!decoder.inFrame) {
      clearTimeout(frameTimer)
      frameTimer = undefined
      return
    }
    // Still inside the frame the running timer was armed for: leave its deadline alone.
    if (frameTimer !== undefined && completedFrames === 0) return
    clearTimeout(frameTimer)
    frameTimer = setTimeout(() => {
      reset('BAD_FRAME', `frame incomplete after ${init.frameTimeoutMs} ms`)
    }, init.frameTimeoutMs)
  }

  // Receipts that are ready together leave in one write (see FrameBatch), flushed once the
  // current burst of answers has been handled, or as soon as the batch is large.
  const out = new FrameBatch()
  let flushScheduled = false
  let drained: Promise<void> | undefined
  const abortWrites = (err: unknown): void => {
    if (failed) return
    failed = true
    logger.debug({ err, peer: remote }, 'could not write a receipt; the stream is gone')
    stream.abort(err as Error)
  }
  const flush = (): void => {
    if (failed || out.bytes === 0) return
    try {
      if (!stream.send(out.take())) {
        drained = stream.onDrain().finally(() => {
          drained = undefined
        })
        drained.catch(abortWrites)
      }
    } catch (err) {
      abortWrites(err)
    }
  }

  /**
   * Write one answer. Never rejects: the stream may have been closed or reset under us (the
   * peer went away, the node is stopping), and a receipt that cannot be written is simply
   * not delivered — the sender retries and gets the stored original.
   */
  const answer = async (outcome: Promise<ReceiveOutcome>, frameBytes: number): Promise<void> => {
    try {
      const result = await outcome
      pending--
      pendingBytes -= frameBytes
      if (failed) return
      if (result.kind === 'reset') {
        flush()
        reset(result.reason, undefined, false)
        return
      }
      if (drained != null) await drained
      out.push(encodeFrame(result.receipt))
      if (out.bytes >= COALESCE_BYTES) flush()
      else if (!flushScheduled) {
        flushScheduled = true
        setImmediate(() => {
          flushScheduled = false
          flush()
        })
      }
    } catch (err) {
      abortWrites(err)
    }
  }

  try {
    for await (const chunk of stream) {
      let frames: Uint8Array[]
      try {
        frames = decoder.push(chunk)
      } catch (err) {
        reset(err instanceof ProtocolError ? err.code : 'BAD_FRAME')
        break
      }
      armFrameTimer(frames.length)
      for (const frame of frames) {
        pending++
        pendingBytes += frame.length
        const outcome = receiver.receiveBatch(frame, remote)
        chain = chain.then(async () => {
          await answer(outcome, frame.length)
        })
      }
      if (failed) break
      // Backpressure towards a sender that does not wait for receipts. Not reading is then our
      // choice, so the deadline of a frame begun meanwhile is paused: it restarts when reading
      // resumes (a batch costs more than one envelope did, and a sender that pipelines many
      // must not be cut off as a slow loris for the time we spent on its earlier frames).
      if (pending >= maxPending || pendingBytes >= maxPendingBytes) {
        clearTimeout(frameTimer)
        frameTimer = undefined
        await chain
        if (!failed) armFrameTimer(0)
      }
    }
    await chain
    flush()
    if (drained != null) await drained.catch(() => {})
    clearTimeout(frameTimer)
    if (!failed) {
      // A frame left open at the end of input (even one with only its prefix read) is
      // truncated: reset, as for any unparseable input, rather than close cleanly.
      if (decoder.inFrame) {
        reset('BAD_FRAME')
        return
      }
      await stream.close()
    }
  } catch (err) {
    clearTimeout(frameTimer)
    if (!failed) {
      logger.debug({ err, peer: remote }, 'exchange stream ended with an error')
      stream.abort(err as Error)
    }
  }
}
