/**
 * Issue 13 item 3, delivery: `liaison keys revoke --certificate KIT` from a separate process,
 * with the revoked node and its data directory gone. Three real nodes A, B, C; B and C added A
 * from its trust card, which announces A's courier key. The courier may open the revocation
 * protocol only; B and C act on the certificate at once and refuse A's key afterwards (a node
 * started from a backup of A's data directory proves it); audit verify passes on both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { randomBytes } from 'node:crypto'
import { TEST_AGREEMENT, cli, createTrusting, startAll, tempDir, until, type TestNode } from '../helpers/node-process.ts'
import { NodeProcess } from '../../scripts/node-driver.ts'
import { EXCHANGE_PROTOCOL, encodeFrame } from '../../protocol/frame.ts'
import { REVOKE_PROTOCOL, encodeRevocation, parseRevocation } from '../../protocol/revocation.ts'
import { decodeEnvelope, encodeEnvelope } from '../../protocol/envelope.ts'
import { WITNESS_PROTOCOL } from '../../node/witness/index.ts'
import { courierNode, deliverRevocation, parseKit, type RevocationKit } from '../../node/courier/index.ts'
import { Store } from '../../node/store/index.ts'
import { decodeEntry, type AuditEntry } from '../../node/audit/entry.ts'

const AGREEMENT = [{ id: TEST_AGREEMENT, validFrom: '2020-01-01T00:00:00.000Z', validUntil: '2099-12-31T23:59:59.999Z' }]

describe('keys revoke: a courier delivers the revocation to every peer', () => {
  let root: string
  let a: TestNode, b: TestNode, c: TestNode
  let again: NodeProcess | undefined
  let kit: RevocationKit
  let offline: string
  let backup: string

  beforeAll(async () => {
    root = await tempDir()
    ;[a, b, c] = await createTrusting(root, [{ name: 'a' }, { name: 'b' }, { name: 'c' }])
    await startAll([a, b, c])
    // B and C know A from its trust card (which announces A's courier), not by peer ID alone.
    const card = await (await a.client()).card()
    expect(card.card.courier).toMatch(/^12D3KooW/)
    for (const peer of [b, c]) {
      const client = await peer.client()
      await client.removePeer(a.peerId)
      await client.addPeerFromCard(card.envelope, { agreements: AGREEMENT })
    }
  }, 120_000)

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop(), again?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  it('the kit (0600) holds the certificate, the courier key and every peer; peers record the courier from the card', async () => {
    const file = join(a.dir, 'revocation', `${a.peerId}.kit.json`)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    // Refreshed at start: B and C, with their addresses.
    await until(async () => parseKit(await readFile(file, 'utf8')).peers.length === 2, 10_000, 'kit lists the peers')
    kit = parseKit(await readFile(file, 'utf8'))
    expect(kit.peerId).toBe(a.peerId)
    expect(kit.peers.map(p => p.peerId).sort()).toEqual([b.peerId, c.peerId].sort())
    expect(kit.peers.find(p => p.peerId === b.peerId)?.addresses).toContain(b.address)
    for (const peer of [b, c]) {
      const record = await (await peer.client()).peer(a.peerId)
      expect(record.keyHistory[0].courier).toBe(kit.courier.peerId)
    }
    offline = join(root, 'a-kit-offline.json')
    await cp(file, offline)
  })

  it('a courier connection may open the revocation protocol only; strangers get no connection at all', async () => {
    const courier = await courierNode(Buffer.from(kit.courier.seed, 'base64'))
    const stranger = await courierNode(randomBytes(32))
    try {
      for (const protocol of [EXCHANGE_PROTOCOL, WITNESS_PROTOCOL]) {
        // B aborts the stream at once: nothing written on it is read, no receipt comes back.
        const stream = await courier.dialProtocol(multiaddr(b.address), protocol)
        const chunks: unknown[] = []
        try {
          stream.send(encodeFrame(new TextEncoder().encode('{"payloadType":"x","payload":"","signatures":[]}')))
          for await (const chunk of stream) chunks.push(chunk)
        } catch {
          // reset by B
        }
        expect(chunks, protocol).toEqual([])
        expect(stream.status, protocol).not.toBe('open')
      }
      await until(
        () => b.output.includes('stream refused: a courier connection may only deliver revocation certificates'),
        10_000,
        'B refuses the courier stream'
      )
      await expect(stranger.dialProtocol(multiaddr(b.address), REVOKE_PROTOCOL)).rejects.toThrow()
    } finally {
      await Promise.all([courier.stop(), stranger.stop()])
    }
    expect((await (await b.client()).peer(a.peerId)).status).toBe('active')
  })

  it('a tampered certificate in the kit is refused: by the command before sending, and by every peer', async () => {
    const genuine = decodeEnvelope(new TextEncoder().encode(kit.certificate))
    const tampered = encodeEnvelope({ ...genuine, payload: encodeRevocation({ ...parseRevocation(genuine.payload), created: '2020-01-01T00:00:00.000Z' }) })
    const file = join(root, 'tampered-kit.json')
    await writeFile(file, JSON.stringify({ ...kit, certificate: new TextDecoder().decode(tampered) }))
    const res = await cli(['keys', 'revoke', '--certificate', file])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('BAD_SIGNATURE')
    // Sent anyway (bypassing the command's own check): each peer refuses it with a signed receipt.
    const results = await deliverRevocation(kit, { certificate: tampered })
    expect(results.map(r => [r.status, r.reason])).toEqual([['refused', 'BAD_SIGNATURE'], ['refused', 'BAD_SIGNATURE']])
    for (const peer of [b, c]) expect((await (await peer.client()).peer(a.peerId)).status).toBe('active')
  })

  it('with A and its data dir gone, keys revoke from a separate process: B and C revoke A at once and refuse its key from then on', async () => {
    const ca = await a.client()
    const before = await ca.send({ to: [b.peerId, c.peerId], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: { n: 1 } }, {
      wait: true
    })
    expect(before.recipients.map(r => r.status)).toEqual(['delivered', 'delivered'])
    await a.stop()
    backup = join(root, 'a-backup')
    await cp(a.dir, backup, { recursive: true })
    await rm(a.dir, { recursive: true, force: true })

    const res = await cli(['keys', 'revoke', '--certificate', offline, '--json'])
    expect(res.code, res.stdout + res.stderr).toBe(0)
    const out = JSON.parse(res.stdout)
    expect(out).toMatchObject({ peerId: a.peerId, delivered: 2, total: 2 })
    for (const r of out.peers) expect(JSON.parse(r.receipt).payloadType).toBe('application/vnd.liaison.receipt.v1+json')
    for (const peer of [b, c]) {
      const record = await (await peer.client()).peer(a.peerId)
      expect(record.status).toBe('revoked')
      expect(record.keyHistory[0].revokedAt).toEqual(expect.any(String))
    }
    // Delivering again is harmless: the peers already acted on it and say so.
    const twice = await cli(['keys', 'revoke', '--certificate', offline, '--json'])
    expect(twice.code, twice.stdout + twice.stderr).toBe(0)

    // A node started from a backup of A's data dir (a thief's copy of the key) is refused.
    again = new NodeProcess('a-backup', backup)
    await again.start()
    const cAgain = new (await import('../../node/api/client.ts')).ApiClient(
      again.runtime?.apiUrl as string,
      (await readFile(join(backup, 'api-token'), 'utf8')).trim()
    )
    const after = await cAgain.send({ to: [b.peerId, c.peerId], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: { n: 2 } })
    for (const peer of [b, c]) {
      await until(() => peer.output.includes('connection refused') && peer.output.includes(a.peerId), 20_000, `${peer.name} refuses A's key`)
    }
    for (const peer of [b, c]) {
      const inbox = await (await peer.client()).inbox()
      expect(inbox.some(m => m.id === before.id)).toBe(true)
      expect(inbox.some(m => m.id === after.id)).toBe(false)
    }
    await again.stop()

    // A peer that cannot be reached: the command says so and exits 1.
    await c.stop()
    const partial = await cli(['keys', 'revoke', '--certificate', offline, '--json', '--timeout', '5s'])
    expect(partial.code).toBe(1)
    const statuses = Object.fromEntries(JSON.parse(partial.stdout).peers.map((r: { peerId: string, status: string }) => [r.peerId, r.status]))
    expect(statuses).toEqual({ [b.peerId]: 'delivered', [c.peerId]: 'unreachable' })

    await b.stop()
    for (const peer of [b, c]) {
      const verify = await cli(['audit', 'verify', '--data-dir', peer.dir])
      expect(verify.code, verify.stdout + verify.stderr).toBe(0)
      const store = await Store.open(join(peer.dir, 'store'))
      const entries: AuditEntry[] = []
      try {
        for await (const bytes of store.db.sublevel<string, Uint8Array>('audit-entry', { valueEncoding: 'view' }).values()) entries.push(decodeEntry(bytes))
      } finally {
        await store.close()
      }
      expect(entries.some(e => e.type === 'peer.updated' && e.action === 'peer.key-revoked'), peer.name).toBe(true)
    }
  }, 180_000)
})
