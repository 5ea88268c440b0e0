/**
 * The RFC 9162 root of a log read as entry texts, for `report verify`: each leaf hash is
 * SHA-256(0x00 ‖ UTF-8 of the text), taken from the string itself (crypto.hash encodes it), so
 * the entries are read from LevelDB as strings — about three times cheaper than as bytes, and no
 * TextDecoder pass — and decoded once, for both the hash and the figures. `report verify` runs
 * it on a worker thread (text-root-worker.ts), on copies of the very strings it counts.
 *
 * Sound for the verdict: the figures are computed from exactly the texts whose UTF-8 encodings
 * are hashed, so if the root equals the signed checkpoint's, the signed log is what was counted.
 * (A stored entry that is not valid UTF-8 — the node never writes one — decodes with U+FFFD and
 * then fails the root comparison: a mismatch, as it should be; `audit verify` names the entry.)
 *
 * The frontier (one hash per set bit of the size) is kept as protocol/merkle-tree.ts keeps it;
 * MerkleAppender folds it into the root at the end.
 *
 * @module
 */
import { hash } from 'node:crypto'
import { MerkleAppender } from '../../protocol/merkle-tree.ts'

export class TextRoot {
  private size = 0
  private readonly frontier: Uint8Array[] = []
  /** 0x01 ‖ left ‖ right, reused (hashing is synchronous). */
  private readonly node = new Uint8Array(65)

  constructor () {
    this.node[0] = 0x01
  }

  /** Append the leaf of one entry text. */
  add (text: string): void {
    let h: Uint8Array = hash('sha256', '\u0000' + text, 'buffer')
    let index = this.size
    while (index % 2 === 1) {
      this.node.set(this.frontier.pop() as Uint8Array, 1)
      this.node.set(h, 33)
      h = hash('sha256', this.node, 'buffer')
      index = (index - 1) / 2
    }
    this.frontier.push(h)
    this.size++
  }

  /** The root, lowercase hex (the empty tree's for no entries). */
  rootHex (): string {
    return Buffer.from(new MerkleAppender(this.size, this.frontier).root()).toString('hex')
  }
}
