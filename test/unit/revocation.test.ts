/**
 * Revocation certificates (protocol/revocation.ts) and acting on one (node/trust/revocation.ts), on a
 * real store: the certificate verifies only under the key it revokes, and revoking a key that a
 * rotation has since replaced revokes the record too — a thief who rotated the stolen key to
 * one of its own does not escape.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { generateSigner } from '../../protocol/keys.ts'
import { encodeRevocation, openRevocation, signRevocation, type RevocationV1 } from '../../protocol/revocation.ts'
import { PAYLOAD_TYPES, type Signer } from '../../protocol/types.ts'
import { Store } from '../../node/store/index.ts'
import { TrustList } from '../../node/trust/trust-list.ts'
import { AuditLog } from '../../node/audit/audit-log.ts'
import { applyRevocation } from '../../node/trust/revocation.ts'
import { applyPeerRotation } from '../../node/trust/key-rotation.ts'
import { rejects as expectCode } from '../helpers/expect-code.ts'

const cert = (s: Signer): RevocationV1 => ({ v: 1, id: '0190a5f0-0000-7000-8000-000000000000', peerId: s.peerId, created: '2026-01-01T00:00:00.000Z' })

describe('revocation certificate v1', () => {
  it('opens only when signed by the key it revokes', () => {
    const k = generateSigner().signer
    const other = generateSigner().signer
    expect(openRevocation(encodeEnvelope(signRevocation(k, cert(k)))).revocation.peerId).toBe(k.peerId)
    expectCode(() => openRevocation(encodeEnvelope(signEnvelope(PAYLOAD_TYPES.revocation, encodeRevocation(cert(k)), other))), 'BAD_SIGNATURE')
    expectCode(() => openRevocation(encodeEnvelope(signEnvelope(PAYLOAD_TYPES.card, encodeRevocation(cert(k)), k))), 'BAD_PAYLOAD_TYPE')
    expectCode(() => openRevocation(encodeEnvelope(signEnvelope(PAYLOAD_TYPES.revocation, new TextEncoder().encode('{"v":1}'), k))), 'SCHEMA_INVALID')
    expect(() => signRevocation(other, cert(k))).toThrow(TypeError)
  })
})

describe('applyRevocation', () => {
  let dir: string
  let store: Store
  let audit: AuditLog
  let trust: TrustList

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'liaison-revocation-'))
    store = await Store.open(join(dir, 'store'))
    audit = await AuditLog.open(store, { signer: generateSigner().signer })
    trust = await TrustList.load(store)
  })

  afterEach(async () => {
    await audit.stop()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('revokes the record whose current key it names, once', async () => {
    const k = generateSigner().signer
    await trust.add({ peerId: k.peerId, name: 'k' })
    const bytes = encodeEnvelope(signRevocation(k, cert(k)))
    const first = await applyRevocation(store, trust, bytes, new Date())
    expect(first.applied).toBe(true)
    expect(trust.get(k.peerId)?.status).toBe('revoked')
    expect(trust.isActive(k.peerId)).toBe(false)
    expect(trust.key(k.peerId)).toBeDefined() // old traffic stays verifiable
    expect((await applyRevocation(store, trust, bytes, new Date())).applied).toBe(false)
  })

  it('revokes the record a rotation signed by the revoked key led to', async () => {
    const stolen = generateSigner().signer
    const thief = generateSigner().signer
    await trust.add({ peerId: stolen.peerId, name: 'k' })
    await store.commit([
      store.rotationOp({
        oldPeerId: stolen.peerId,
        newPeerId: thief.peerId,
        id: '0190a5f0-0000-7000-8000-000000000001',
        created: '2026-01-01T00:00:00.000Z',
        statementDigest: 'a'.repeat(64),
        status: 'pending',
        updatedAt: 0
      })
    ])
    await applyPeerRotation(store, trust, stolen.peerId, new Date())
    expect(trust.isActive(thief.peerId)).toBe(true)
    const out = await applyRevocation(store, trust, encodeEnvelope(signRevocation(stolen, cert(stolen))), new Date())
    expect(out.record.peerId).toBe(thief.peerId)
    expect(trust.get(thief.peerId)?.status).toBe('revoked')
    expect(trust.get(thief.peerId)?.keyHistory.find(k => k.peerId === stolen.peerId)?.revocation).toBe(out.digest)
  })

  it('refuses a certificate for a key no peer has', async () => {
    const k = generateSigner().signer
    await expect(applyRevocation(store, trust, encodeEnvelope(signRevocation(k, cert(k))), new Date())).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})
