/**
 * Frames collected for one write. libp2p turns every `stream.send()` into a yamux frame, a
 * Noise message (encrypt + MAC) and a socket write; sending the frames that are ready together
 * pays that once per batch instead of once per envelope or receipt.
 *
 * @module
 */

/** Largest write a batch grows to before it is sent (a Noise message carries at most 64 KiB). */
export const COALESCE_BYTES = 60 * 1024

export class FrameBatch {
  private frames: Uint8Array[] = []
  private size = 0

  get bytes (): number {
    return this.size
  }

  push (frame: Uint8Array): void {
    this.frames.push(frame)
    this.size += frame.length
  }

  /** The collected frames as one buffer (the frame itself when there is only one); empties the batch. */
  take (): Uint8Array {
    const frames = this.frames
    const out = frames.length === 1 ? frames[0] : Buffer.concat(frames, this.size)
    this.frames = []
    this.size = 0
    return out
  }
}
