/**
 * Peer IDs numbered in order of first sight, so records can carry a 32-bit index instead of
 * the text (worker results, the pool's table shared with the workers).
 *
 * @module
 */
export class PeerTable {
  /** The peer IDs, by index. */
  readonly ids: string[] = []
  private readonly index = new Map<string, number>()

  /** The index of a peer ID, adding it if new. */
  indexOf (peerId: string): number {
    let index = this.index.get(peerId)
    if (index === undefined) {
      index = this.ids.length
      this.ids.push(peerId)
      this.index.set(peerId, index)
    }
    return index
  }
}
