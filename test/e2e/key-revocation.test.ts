/**
 * Issue 13 item 3: compromised keys. `init` writes a revocation certificate signed by the key
 * it revokes (mode 0600); a peer that gets a valid one revokes the key at once, drops the link,
 * refuses further traffic (the connection gate, and PEER_REVOKED at the pipeline), keeps old
 * traffic verifiable (audit verify passes) and logs it; a forged or tampered certificate is
 * refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, cli, createTrusting, startAll, tempDir, until, type TestNode } from '../helpers/node-process.ts'
import { decodeEnvelope, encodeEnvelope, signEnvelope } from '../../protocol/envelope.ts'
import { generateSigner } from '../../protocol/keys.ts'
import { encodeRevocation, openRevocation, parseRevocation } from '../../protocol/revocation.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { Store } from '../../node/store/index.ts'
import { decodeEntry, type AuditEntry } from '../../node/audit/entry.ts'

describe('a revocation certificate', () => {
  let root: string
  let a: TestNode, b: TestNode
  let certificate: string

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b] = await createTrusting(root, [{ name: 'a' }, { name: 'b' }])
    await startAll([a, b])
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('is written at init, mode 0600, signed by the key it revokes', async () => {
    const file = join(a.dir, 'revocation', `${a.peerId}.revocation.json`)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    // The operator keeps it offline: here, a copy outside the data directory.
    certificate = join(root, 'a-offline.revocation.json')
    await copyFile(file, certificate)
    const { revocation } = openRevocation(await readFile(certificate))
    expect(revocation.peerId).toBe(a.peerId)
  })

  it('forged or tampered: refused, nothing changes', async () => {
    const genuine = decodeEnvelope(await readFile(certificate))
    // Forged: a certificate naming A's key, signed by another key.
    const thief = generateSigner().signer
    const forged = signEnvelope(PAYLOAD_TYPES.revocation, genuine.payload, thief)
    // Tampered: the genuine signature over a changed payload.
    const changed = { ...parseRevocation(genuine.payload), created: '2020-01-01T00:00:00.000Z' }
    const tampered = { ...genuine, payload: encodeRevocation(changed) }
    for (const [name, env] of [['forged', forged], ['tampered', tampered]] as const) {
      const f = join(root, `${name}.json`)
      await writeFile(f, encodeEnvelope(env))
      const res = await cli(['peers', 'revoke', '--certificate', f, '--data-dir', b.dir])
      expect(res.code, name).toBe(1)
      expect(res.stderr, name).toContain('BAD_SIGNATURE')
    }
    expect((await (await b.client()).peer(a.peerId)).status).toBe('active')
  })

  it('valid: the peer revokes the key at once, drops the link, refuses further traffic; audit verify still passes', async () => {
    const ca = await a.client()
    const first = await ca.send({ to: [b.peerId], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: { n: 1 } }, { wait: true })
    expect(first.recipients[0].status).toBe('delivered')
    const cb = await b.client()
    expect((await ca.health()).connected).toContain(b.peerId)

    // Applied at B by a process that is not the revoked node (A's data dir is not used).
    const res = await cli(['peers', 'revoke', '--certificate', certificate, '--data-dir', b.dir, '--json'])
    expect(res.code, res.stderr).toBe(0)
    const outcome = JSON.parse(res.stdout)
    expect(outcome).toMatchObject({ applied: true, revocation: { peerId: a.peerId } })
    const record = await cb.peer(a.peerId)
    expect(record.status).toBe('revoked')
    expect(record.keyHistory[0]).toMatchObject({ peerId: a.peerId, revokedAt: expect.any(String), revocation: outcome.digest })
    // Applying it again changes nothing.
    const again = await cli(['peers', 'revoke', '--certificate', certificate, '--data-dir', b.dir, '--json'])
    expect(JSON.parse(again.stdout).applied).toBe(false)

    // The link is gone and A (or a thief with its key) cannot reach B any more.
    await until(async () => (await cb.health()).connected?.includes(a.peerId) === false, 10_000, 'link dropped')
    const second = await ca.send({ to: [b.peerId], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: { n: 2 } })
    await until(() => b.output.includes('connection refused') && b.output.includes(a.peerId), 20_000, 'B refuses A')
    expect((await cb.inbox()).some(m => m.id === second.id)).toBe(false)
    expect((await cb.inbox()).some(m => m.id === first.id)).toBe(true)

    await Promise.all([a.stop(), b.stop()])
    const verify = await cli(['audit', 'verify', '--data-dir', b.dir])
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
    // B's audit log records the revocation, with the certificate's digest in the record.
    const store = await Store.open(join(b.dir, 'store'))
    const entries: AuditEntry[] = []
    try {
      for await (const bytes of store.db.sublevel<string, Uint8Array>('audit-entry', { valueEncoding: 'view' }).values()) entries.push(decodeEntry(bytes))
    } finally {
      await store.close()
    }
    const revoked = entries.find(e => e.type === 'peer.updated' && e.action === 'peer.key-revoked')
    expect(JSON.stringify(revoked)).toContain(outcome.digest)
  })
})
