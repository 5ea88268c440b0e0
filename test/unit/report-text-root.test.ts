/**
 * `report verify` hashes the entry texts it counts (node/report/text-root.ts): its root must be
 * the RFC 9162 root protocol/merkle-tree.ts computes from the entries' UTF-8 bytes, for every
 * tree shape and for text beyond ASCII; and the worker that hashes them beside the figures
 * (node/report/text-root-worker.ts) must give the same root, however the texts are batched,
 * with its caller free to clear each batch as soon as it is added.
 */
import { describe, expect, it } from 'vitest'
import { TextRoot } from '../../node/report/text-root.ts'
import { MAX_QUEUED, TextRootWorker } from '../../node/report/text-root-worker.ts'
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

  it('gives the in-thread root on a worker thread, batched in any sizes, the batches cleared once added', async () => {
    const texts = Array.from({ length: 3000 }, (_, i) => `{"i":${i},"t":"Zoë ✓ 𝄞"}`)
    const reference = new TextRoot()
    for (const t of texts) reference.add(t)
    for (const size of [1, 7, 1024]) {
      const worker = new TextRootWorker()
      try {
        for (let i = 0; i < texts.length; i += size) {
          const batch = texts.slice(i, i + size)
          await worker.add(batch)
          batch.fill('')
        }
        expect(await worker.rootHex(), `batches of ${size}`).toBe(reference.rootHex())
      } finally {
        await worker.close()
      }
    }
  })

  it('has at most MAX_QUEUED batches in flight (add waits for the worker)', async () => {
    const worker = new TextRootWorker()
    try {
      const big = Array.from({ length: 20_000 }, (_, i) => `entry ${i}`)
      const adds: Array<Promise<void>> = []
      let settled = 0
      for (let i = 0; i < MAX_QUEUED + 3; i++) {
        adds.push(
          worker.add(big).then(() => {
            settled++
          })
        )
      }
      // Those that fit resolve at once; the rest wait until the worker has hashed one.
      await adds[MAX_QUEUED - 1]
      expect(settled).toBe(MAX_QUEUED)
      await Promise.all(adds)
      const reference = new TextRoot()
      for (let i = 0; i < MAX_QUEUED + 3; i++) for (const t of big) reference.add(t)
      expect(await worker.rootHex()).toBe(reference.rootHex())
    } finally {
      await worker.close()
    }
  })
})
