/**
 * `report verify` hashes the entry texts it counts (node/report/text-root.ts): its root must be
 * the RFC 9162 root protocol/merkle-tree.ts computes from the entries' UTF-8 bytes, for every
 * tree shape and for text beyond ASCII.
 */
import { describe, expect, it } from 'vitest'
import { TextRoot } from '../../node/report/text-root.ts'
import { MerkleAppender } from '../../protocol/merkle-tree.ts'
import { leafHash } from '../../protocol/merkle.ts'

describe('report: the root of entry texts', () => {
  it('equals the RFC 9162 root of their UTF-8 bytes, for sizes 0 to 70', () => {
    const utf8 = new TextEncoder()
    const texts = Array.from({ length: 70 }, (_, i) => `{"v":1,"type":"purge","at":"2026-12-01T00:00:00.${String(i).padStart(3, '0')}Z","note":"Zoë ✓ 𝄞 ${i}"}`)
    for (let n = 0; n <= texts.length; n++) {
      const ours = new TextRoot()
      const reference = new MerkleAppender()
      for (const t of texts.slice(0, n)) {
        ours.add(t)
        reference.append(leafHash(utf8.encode(t)))
      }
      expect(ours.rootHex(), `size ${n}`).toBe(Buffer.from(reference.root()).toString('hex'))
    }
  })
})
