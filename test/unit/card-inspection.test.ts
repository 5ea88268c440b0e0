import { describe, expect, it } from 'vitest'
import { exportCard } from '../../node/trust/peer-admin.ts'
import { inspectCard } from '../../node/trust/card-inspection.ts'
import { NodeError } from '../../node/errors.ts'
import { generateSigner } from '../../protocol/keys.ts'
import { keyFingerprint } from '../../protocol/fingerprint.ts'
import { oprfKeyId } from '../../protocol/query/index.ts'
import { deriveKeyPair, MODE } from '../../protocol/oprf/index.ts'
import type { PeerRecord } from '../../node/store/records.ts'

describe('inspecting a trust card before adding it', () => {
  const { signer } = generateSigner()
  const { signer: courier } = generateSigner()
  const keys = deriveKeyPair(MODE.voprf, new Uint8Array(32).fill(5), new TextEncoder().encode('test'))
  const oprfKey = { publicKey: Buffer.from(keys.publicKey).toString('base64'), keyId: oprfKeyId(keys.publicKey) }
  const created = new Date('2026-03-01T10:00:00.000Z')
  const card = exportCard(signer, { name: 'Antwerp', jurisdiction: 'BE', addresses: [], courier: courier.peerId, oprfKey }, created)
  const nobody = (): PeerRecord | undefined => undefined

  it('names the agency, its fingerprint and every key it introduces, each Ed25519 one with its fingerprint', () => {
    const r = inspectCard(card.envelope, nobody)
    expect(r).toEqual({
      card: card.card,
      fingerprint: card.fingerprint,
      signature: 'valid',
      keys: [
        { role: 'identity', id: signer.peerId, fingerprint: keyFingerprint(signer.publicKey) },
        { role: 'courier', id: courier.peerId, fingerprint: keyFingerprint(courier.publicKey) },
        { role: 'oprf', id: oprfKey.keyId }
      ]
    })
    expect(r.card.created).toBe(created.toISOString())
  })

  it('says when the peer is on the trust list already', () => {
    const known = { peerId: signer.peerId, name: 'Antwerp PD', status: 'suspended' } as PeerRecord
    expect(inspectCard(card.envelope, id => id === signer.peerId ? known : undefined).known).toEqual({ name: 'Antwerp PD', status: 'suspended' })
  })

  it('refuses a card whose signature does not verify with BAD_SIGNATURE, and one that is no card with its code', () => {
    const env = JSON.parse(card.envelope) as { signatures: Array<{ sig: string }> }
    const sig = Buffer.from(env.signatures[0].sig, 'base64')
    sig[10] ^= 0x20
    env.signatures[0].sig = sig.toString('base64')
    const code = (text: string): string | undefined => {
      try {
        inspectCard(text, nobody)
      } catch (err) {
        return err instanceof NodeError ? err.code : 'not a NodeError'
      }
      return undefined
    }
    expect(code(JSON.stringify(env))).toBe('BAD_SIGNATURE')
    expect(code('{"payloadType":"x","payload":"","signatures":[]}')).toBe('BAD_PAYLOAD_TYPE')
    expect(code('not json')).toBe('BAD_ENVELOPE')
  })
})
