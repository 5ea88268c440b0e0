/**
 * OPRF key rotation on the documented schedule (PROTOCOL.md §19.2), on a real node process:
 * an index whose key is older than `query.oprfKeyRotationDays` is rotated and re-keyed when the
 * node starts, the trust card names the new key, and the audit log holds `query.key-rotated`
 * (reason `schedule`, records re-keyed); `liaison keys rotate` (a new identity) rotates the
 * OPRF key too (reason `identity rotation`); `liaison index rotate-key` on the stopped node
 * rotates it and audits it (reason `operator`). audit verify passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cli, createTrusting, tempDir, type TestNode } from '../helpers/node-process.ts'
import { IndexStore } from '../../node/query/index.ts'

describe('OPRF key rotation schedule', () => {
  let root: string
  let d: TestNode
  let oldKeyId: string

  beforeAll(async () => {
    root = await tempDir() // A peer (never started): `keys rotate` on a node with no peers stores its statement without an audit leaf (a separate issue).
    ;[d] = await createTrusting(root, [{ name: 'd' }, { name: 'e' }])
    // An index whose key was made 40 days ago, with a few records.
    const index = await IndexStore.open(join(d.dir, 'query-index'), { now: () => new Date(Date.now() - 40 * 24 * 3600 * 1000) })
    await index.add('email', [{ value: 'a@example.org', ref: '1' }, { value: 'b@example.org', ref: '2' }], undefined, { workers: 0 })
    oldKeyId = index.publicKey().keyId
    await index.close()
    const configFile = join(d.dir, 'config.json')
    const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>
    await writeFile(configFile, JSON.stringify({ ...config, query: { oprfKeyRotationDays: 30 } }, null, 2))
  }, 120_000)

  afterAll(async () => {
    await d?.stop()
    await rm(root, { recursive: true, force: true })
  })

  it(
    'rotates a key past its lifetime at start, re-keys the index, publishes and audits it; keys rotate rotates it too, and index rotate-key on the stopped ' +
      'node (audited)',
    async () => {
      await d.start()
      const client = await d.client()
      let keyId = oldKeyId
      for (let i = 0; i < 100 && keyId === oldKeyId; i++) {
        keyId = (await client.card()).card.oprfKey!.keyId
        if (keyId === oldKeyId) await new Promise(resolve => setTimeout(resolve, 100))
      }
      expect(keyId).not.toBe(oldKeyId)
      const rotated = await cli(['keys', 'rotate', '--data-dir', d.dir, '--json'])
      expect(rotated.code, rotated.stderr).toBe(0)
      const afterIdentity = (await client.card()).card.oprfKey!.keyId
      expect(afterIdentity).not.toBe(keyId)
      await d.stop()
      // Still due? No: the new key is fresh, a restart does not rotate again.
      const index = await IndexStore.open(join(d.dir, 'query-index'))
      expect(index.publicKey()).toMatchObject({ epoch: 3, keyId: afterIdentity })
      expect(await index.stats()).toEqual({ email: 2 })
      // The public part of each retired key is kept, for the signed key notice (PROTOCOL.md §19.9).
      expect(await index.retiredKey(keyId)).toMatchObject({ epoch: 2 })
      await index.close()
      const operator = await cli(['index', 'rotate-key', '--data-dir', d.dir, '--json'])
      expect(operator.code, operator.stderr).toBe(0)
      const byOperator = JSON.parse(operator.stdout) as { epoch: number, keyId: string, previousKeyId: string, records: number }
      expect(byOperator).toMatchObject({ epoch: 4, previousKeyId: afterIdentity, records: 2 })
      const verified = await cli(['audit', 'verify', '--data-dir', d.dir])
      expect(verified.code, verified.stdout + verified.stderr).toBe(0)
      const out = join(root, 'bundle')
      expect((await cli(['audit', 'export', '--data-dir', d.dir, '--out', out])).code).toBe(0)
      const events = (await readFile(join(out, 'audit', 'entries.jsonl'), 'utf8')).trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>).filter(
        e => e.type === 'query.key-rotated'
      )
      expect(events.map(e => [e.reason, e.previousKeyId, e.keyId, e.records])).toEqual([['schedule', oldKeyId, keyId, 2], [
        'identity rotation',
        keyId,
        afterIdentity,
        2
      ], ['operator', afterIdentity, byOperator.keyId, 2]])
    },
    120_000
  )
})
