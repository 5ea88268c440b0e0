import { describe, expect, it } from 'vitest'
import { exportCard, openCard } from '../../node/trust/peer-admin.ts'
import { generateSigner } from '../../protocol/keys.ts'
import { validateCard } from '../../protocol/card.ts'
import { oprfKeyId } from '../../protocol/query/index.ts'
import { deriveKeyPair, MODE } from '../../protocol/oprf/index.ts'

describe("the trust card carries the node's OPRF key (PROTOCOL.md §19.2)", () => {
  const { signer } = generateSigner()
  const keys = deriveKeyPair(MODE.voprf, new Uint8Array(32).fill(3), new TextEncoder().encode('test'))
  const oprfKey = { publicKey: Buffer.from(keys.publicKey).toString('base64'), keyId: oprfKeyId(keys.publicKey) }

  it('round-trips through export and open, self-signed', () => {
    const exported = exportCard(signer, { name: 'B', addresses: [], oprfKey }, new Date('2026-01-01T00:00:00.000Z'))
    expect(openCard(exported.envelope).card.oprfKey).toEqual(oprfKey)
    expect(openCard(exportCard(signer, { name: 'B', addresses: [] }, new Date()).envelope).card.oprfKey).toBeUndefined()
  })

  it("refuses a key id that is not the key's, a key that is not 32 bytes, and extra fields", () => {
    const base = { v: 1, peerId: signer.peerId, name: 'B', addresses: [], created: '2026-01-01T00:00:00.000Z' }
    expect(() => validateCard({ ...base, oprfKey: { ...oprfKey, keyId: '0'.repeat(32) } })).toThrow(/oprfKey.keyId/)
    expect(() => validateCard({ ...base, oprfKey: { publicKey: 'AAAA', keyId: oprfKey.keyId } })).toThrow(/oprfKey.publicKey/)
    expect(() => validateCard({ ...base, oprfKey: { ...oprfKey, epoch: 1 } })).toThrow(/oprfKey/)
  })
})
