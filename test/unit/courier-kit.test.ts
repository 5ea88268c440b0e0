/**
 * The courier's announcements and the revocation kit: the card and the rotation statement
 * carry an optional courier peer ID (never one of the node's own keys); a kit is checked
 * against its schema and its courier seed must derive its courier peer ID (KIT_INVALID).
 */
import { describe, expect, it } from 'vitest'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { validateCard } from '../../protocol/card.ts'
import { validateKeyRotation } from '../../protocol/key-rotation.ts'
import { generateSigner, signerFromSeed } from '../../protocol/keys.ts'
import { kitPath, looksLikeKit, parseKit, refreshKits, writeNewKit } from '../../node/courier/kit.ts'
import { errorCode } from '../../node/errors.ts'

/** `fn` throws an error whose stable code is one of `codes`. */
function expectCode (fn: () => unknown, ...codes: string[]): void {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  expect(thrown, 'expected an error').toBeDefined()
  expect(codes).toContain(errorCode(thrown))
}

const id = (): string => generateSigner().signer.peerId

describe('courier announcements', () => {
  it('a card may name a courier, never its own key', () => {
    const peerId = id()
    const courier = id()
    const card = { v: 1, peerId, name: 'a', addresses: [], created: '2026-01-01T00:00:00.000Z' }
    expect(validateCard({ ...card, courier }).courier).toBe(courier)
    expect(validateCard(card).courier).toBeUndefined()
    expectCode(() => validateCard({ ...card, courier: peerId }), 'SCHEMA_INVALID')
    expectCode(() => validateCard({ ...card, courier: 'x' }), 'BAD_PEER_ID', 'SCHEMA_INVALID')
  })

  it("a rotation statement may name the new key's courier, differing from both keys", () => {
    const r = { v: 1, id: '01890a5d-ac96-774b-bcce-b302099a8057', oldPeerId: id(), newPeerId: id(), created: '2026-01-01T00:00:00.000Z' }
    const courier = id()
    expect(validateKeyRotation({ ...r, courier }).courier).toBe(courier)
    expectCode(() => validateKeyRotation({ ...r, courier: r.newPeerId }), 'SCHEMA_INVALID')
    expectCode(() => validateKeyRotation({ ...r, courier: r.oldPeerId }), 'SCHEMA_INVALID')
  })
})

describe('the revocation kit', () => {
  it('is written 0600 with a courier whose seed derives its peer ID; refresh rewrites only the peers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'liaison-kit-'))
    try {
      const identity = id()
      const kit = await writeNewKit(dir, identity, new TextEncoder().encode('{"cert":1}'), [], new Date('2026-01-01T00:00:00.000Z'))
      const file = kitPath(dir, identity)
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      expect(signerFromSeed(Buffer.from(kit.courier.seed, 'base64')).peerId).toBe(kit.courier.peerId)
      const text = await readFile(file, 'utf8')
      expect(looksLikeKit(text)).toBe(true)
      expect(parseKit(text)).toEqual(kit)
      const peers = [{ peerId: id(), name: 'b', addresses: ['/ip4/127.0.0.1/tcp/4001'] }]
      expect(await refreshKits(dir, peers, new Date('2026-01-02T00:00:00.000Z'))).toBe(1)
      const after = parseKit(await readFile(file, 'utf8'))
      expect(after).toEqual({ ...kit, peers, updated: '2026-01-02T00:00:00.000Z' })
      expect((await stat(file)).mode & 0o777).toBe(0o600)

      // A seed that does not derive the courier peer ID, unknown members, not JSON: KIT_INVALID.
      expectCode(() => parseKit(JSON.stringify({ ...kit, courier: { ...kit.courier, seed: randomBytes(32).toString('base64') } })), 'KIT_INVALID')
      expectCode(() => parseKit(JSON.stringify({ ...kit, extra: 1 })), 'KIT_INVALID')
      expectCode(() => parseKit('not json'), 'KIT_INVALID')
      expect(looksLikeKit(kit.certificate)).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
