/**
 * Frames (protocol/frame.ts) read from a libp2p stream one at a time, for the request/answer
 * protocols that exchange a few frames (witnessing, gossip, queries, revocation delivery,
 * rotation approval notices). `next()` resolves with the next whole frame, or undefined once
 * the stream ends; with a `signal` it rejects "no answer in time" when the signal aborts first.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'
import { FrameDecoder } from '../../protocol/frame.ts'

export interface StreamFrames {
  next: (signal?: AbortSignal) => Promise<Uint8Array | undefined>
}

export function streamFrames (stream: Stream, maxFrameBytes?: number): StreamFrames {
  const decoder = new FrameDecoder(maxFrameBytes)
  const iterator = stream[Symbol.asyncIterator]()
  const ready: Uint8Array[] = []
  return {
    async next (signal) {
      const aborted = signal == null
        ? undefined
        : new Promise<never>((_resolve, reject) => {
          if (signal.aborted) reject(new Error('no answer in time'))
          signal.addEventListener('abort', () => {
            reject(new Error('no answer in time'))
          }, { once: true })
        })
      aborted?.catch(() => {})
      while (ready.length === 0) {
        const chunk = await (aborted == null ? iterator.next() : Promise.race([iterator.next(), aborted]))
        if (chunk.done === true) return undefined
        ready.push(...decoder.push(chunk.value as Uint8Array))
      }
      return ready.shift()
    }
  }
}
