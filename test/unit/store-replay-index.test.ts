/**
 * The replay check reads LevelDB only when the seen-filter says a (sender, id) pair or a digest
 * may be stored, so after a restart the filter must hold every pair and digest already in the
 * store: it is filled at open, in batches, and a pair missing from it would let a replay through.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { Store, metaOf } from '../../node/store/index.ts'
import { generateSigner } from '../../protocol/keys.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { freshMessage } from '../helpers/messages.ts'

const COUNT = 2_600 // more than two of the open-time batches (1,024 entries each)

describe('the replay index after a restart', () => {
  let dir: string
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it(`knows each of ${COUNT.toLocaleString('en')} stored (sender, id) pairs, and no other`, async () => {
    dir = await mkdtemp(join(tmpdir(), 'liaison-replay-index-'))
    const senders = [generateSigner().signer, generateSigner().signer]
    const receiver = generateSigner().signer
    const stored: Array<{ from: string, id: string, digest: string }> = []
    const first = await Store.open(join(dir, 'store'))
    for (let n = 0; n < COUNT; n += 100) {
      const ops = []
      for (let i = n; i < Math.min(COUNT, n + 100); i++) {
        const msg = freshMessage(senders[i % 2].peerId, [receiver.peerId], { body: { n: i } })
        const meta = metaOf(msg, randomBytes(32).toString('hex'), 'in', Date.now())
        ops.push(...first.messageOps(meta, new Uint8Array(64)))
        stored.push({ from: msg.from, id: msg.id, digest: meta.digest })
      }
      await first.commit(ops)
    }
    await first.close()

    const reopened = await Store.open(join(dir, 'store'))
    try {
      const found = await Promise.all(stored.map(async m => await reopened.digestOf(m.from, m.id)))
      expect(found).toEqual(stored.map(m => m.digest))
      expect(await reopened.digestOf(senders[0].peerId, uuidV7(Date.now(), randomBytes(10)))).toBeUndefined()
    } finally {
      await reopened.close()
    }
  })
})
