/**
 * The OPRF key notice (PROTOCOL.md §19.9): its schema (key id bound to the key, a change that
 * changes something), the asker's check that it replaces exactly the pinned key and names the
 * answer's key, and the index keeping the public part of every retired key so it can be named.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeBase64 } from '../../protocol/base64.ts'
import type { ProtocolError } from '../../protocol/errors.ts'
import { deriveKeyPair, MODE } from '../../protocol/oprf/index.ts'
import { oprfKeyId } from '../../protocol/query/index.ts'
import { decodeKeyNotice, keyNoticeProblem } from '../../protocol/query/key-notice.ts'
import { IndexStore } from '../../node/query/index.ts'
import { tempDir } from '../helpers/node-process.ts'

const PEER = '12D3KooWQK1wnefoLrcVHbbnf5tLzbopUd3K3bFAoJpA7YJgL5pV'
const keys = deriveKeyPair(MODE.voprf, new Uint8Array(32).fill(7), new TextEncoder().encode('test'))
const notice = {
  v: 1,
  peerId: PEER,
  previousKeyId: 'ab'.repeat(16),
  epoch: 2,
  keyId: oprfKeyId(keys.publicKey),
  publicKey: encodeBase64(keys.publicKey),
  created: '2026-03-01T12:00:00.000Z'
}
const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
const code = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    return (e as ProtocolError).code + ': ' + (e as Error).message
  }
  return 'none'
}

describe('OPRF key notice', () => {
  let root: string | undefined
  afterAll(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true })
  })

  it("decodes a valid notice and refuses a key id that is not the key's, a non-change, unknown fields", () => {
    expect(decodeKeyNotice(bytes(notice))).toEqual(notice)
    expect(code(() => decodeKeyNotice(bytes({ ...notice, keyId: 'cd'.repeat(16) })))).toMatch(/^SCHEMA_INVALID: .*key id of publicKey/)
    expect(code(() => decodeKeyNotice(bytes({ ...notice, previousKeyId: notice.keyId })))).toMatch(/^SCHEMA_INVALID: .*differ/)
    expect(code(() => decodeKeyNotice(bytes({ ...notice, extra: 1 })))).toMatch(/^SCHEMA_INVALID/)
    expect(code(() => decodeKeyNotice(bytes({ ...notice, epoch: 0 })))).toMatch(/^SCHEMA_INVALID: OPRF key notice: epoch/)
  })

  it("applies only from the answering node, replacing exactly the pinned key, naming the answer's key", () => {
    const n = decodeKeyNotice(bytes(notice))
    const expectOk = { peerId: PEER, pinnedKeyId: notice.previousKeyId, answerKeyId: notice.keyId }
    expect(keyNoticeProblem(n, expectOk)).toBeNull()
    expect(keyNoticeProblem(n, { ...expectOk, peerId: '12D3KooWDwTirQce1RRKnasT5fPVFgzXCy6SiRgSwrwPGLC7zE91' })).toMatch(/not the answering node/)
    expect(keyNoticeProblem(n, { ...expectOk, pinnedKeyId: 'ef'.repeat(16) })).toMatch(/replaces key/)
    expect(keyNoticeProblem(n, { ...expectOk, answerKeyId: 'ef'.repeat(16) })).toMatch(/names key/)
  })

  it("the index keeps each retired key's public part by key id, and nothing for the current or an unknown one", async () => {
    root = await tempDir()
    const index = await IndexStore.open(join(root, 'index'))
    try {
      const first = index.publicKey()
      await index.add('email', [{ value: 'a@example.org', ref: '1' }], undefined, { workers: 0 })
      await index.rotateKey({ workers: 0 })
      const second = index.publicKey()
      await index.rotateKey({ workers: 0 })
      expect(await index.retiredKey(first.keyId)).toMatchObject({ epoch: 1, publicKey: first.publicKey, created: first.created })
      expect(await index.retiredKey(second.keyId)).toMatchObject({ epoch: 2, publicKey: second.publicKey })
      expect(await index.retiredKey(index.publicKey().keyId)).toBeUndefined()
      expect(await index.retiredKey('00'.repeat(16))).toBeUndefined()
      expect(await index.retiredKey('not hex')).toBeUndefined()
    } finally {
      await index.close()
    }
  })
})
