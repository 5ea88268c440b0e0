import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:net'
import { createPrivateKey } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TEST_AGREEMENT, cli, tempDir, until } from '../helpers/node-process.ts'
import { NodeProcess } from '../../scripts/node-driver.ts'
import { HostileClient, Identity, batch, envelopeBytes, jsonBytes, openReceipt, trustPeer, uuidv7 } from '../helpers/hostile-client.ts'
import { ApiClient } from '../../node/api/client.ts'

const ADDRESS_UPDATE = 'application/vnd.liaison.address-update.v1+json'

/** A node made by a plain `liaison init` (default listen: loopback, port 0). */
async function initNode (root: string, name: string): Promise<{ node: NodeProcess, peerId: string }> {
  const node = new NodeProcess(name, join(root, name))
  const res = await cli(['init', '--data-dir', node.dir, '--name', name])
  expect(res.code, res.stderr).toBe(0)
  const configFile = join(node.dir, 'config.json')
  const config = JSON.parse(await readFile(configFile, 'utf8'))
  config.exchange = { retryBaseMs: 50, retryCapMs: 2000 }
  config.logLevel = 'debug'
  await writeFile(configFile, JSON.stringify(config, null, 2))
  return { node, peerId: res.stdout.trim() }
}

async function client (node: NodeProcess): Promise<ApiClient> {
  return new ApiClient(node.runtime!.apiUrl, (await readFile(join(node.dir, 'api-token'), 'utf8')).trim())
}

const portOf = (address: string): number => Number(/\/tcp\/(\d+)/.exec(address)![1])

async function sendWait (from: NodeProcess, to: string, timeout = '20s'): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await cli([
    'send',
    '--data-dir',
    from.dir,
    '--to',
    to,
    '--kind',
    'report',
    '--tlp',
    'GREEN',
    '--topic',
    'fraud',
    '--legal-basis',
    TEST_AGREEMENT,
    '--wait',
    '--timeout',
    timeout
  ])
}

async function seedOf (dir: string): Promise<Uint8Array> {
  const pem = await readFile(join(dir, 'identity.key'), 'utf8')
  return new Uint8Array(Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d!, 'base64url'))
}

describe('reachability: a restart keeps the port, a changed address reaches the peers signed, an unreachable send names the address', () => {
  let root: string
  let a: NodeProcess, b: NodeProcess
  let aId: string, bId: string
  let blocker: Server | undefined

  beforeAll(async () => {
    root = await tempDir()
    ;({ node: a, peerId: aId } = await initNode(root, 'a'))
    ;({ node: b, peerId: bId } = await initNode(root, 'b'))
    await Promise.all([a.start(), b.start()])
    const agreement = `${TEST_AGREEMENT}:2020-01-01:2099-12-31`
    expect(
      (await cli(['peers', 'add', '--data-dir', a.dir, '--peer-id', bId, '--name', 'b', '--address', b.runtime!.addresses[0], '--agreement', agreement])).code
    ).toBe(0)
    expect(
      (await cli(['peers', 'add', '--data-dir', b.dir, '--peer-id', aId, '--name', 'a', '--address', a.runtime!.addresses[0], '--agreement', agreement])).code
    ).toBe(0)
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await new Promise<void>(resolve => {
      if (blocker == null) resolve()
      else {blocker.close(() => {
          resolve()
        })}
    })
    await rm(root, { recursive: true, force: true })
  })

  it('a restarted node listens on the port it got the first time, and `send --wait` reaches it without `peers update`', async () => {
    const before = a.runtime!.addresses[0]
    expect(JSON.parse(await readFile(join(a.dir, 'listen.json'), 'utf8')).ports['/ip4/127.0.0.1/tcp/0']).toBe(portOf(before))
    await a.stop()
    await a.start()
    expect(a.runtime!.addresses[0]).toBe(before)
    const sent = await sendWait(b, aId)
    expect(sent.stderr).toBe('')
    expect(sent.stdout).toMatch(new RegExp(`${aId}  delivered`))
  })

  it('when the port is taken, the node takes a new one and tells its peers with a signed address update; delivery resumes', async () => {
    const old = a.runtime!.addresses[0]
    await a.stop()
    // Another program takes A's port while A is down.
    blocker = createServer()
    await new Promise<void>(resolve => blocker!.listen(portOf(old), '127.0.0.1', resolve))
    await a.start()
    const now = a.runtime!.addresses[0]
    expect(portOf(now)).not.toBe(portOf(old))
    expect(a.output).toMatch(/signed address update queued/)
    const cb = await client(b)
    await until(async () => (await cb.peer(aId)).addresses.includes(now), 30_000, "B applies A's address update")
    expect((await cb.peer(aId)).addresses).toEqual([now])
    const sent = await sendWait(b, aId)
    expect(sent.stdout).toMatch(new RegExp(`${aId}  delivered`))
    // The new port is kept from now on.
    expect(JSON.parse(await readFile(join(a.dir, 'listen.json'), 'utf8')).ports['/ip4/127.0.0.1/tcp/0']).toBe(portOf(now))
    expect(b.output).toMatch(/peer addresses updated/)
  })

  it('refuses an address update for A from another peer, one signed by another key, and a replayed older one', async () => {
    const mallory = await HostileClient.create()
    await trustPeer(b.dir, mallory.peerId, 'mallory')
    const bAddress = b.runtime!.addresses[0]
    const update = (peerId: string, created: string): Uint8Array => jsonBytes({ v: 1, id: uuidv7(), peerId, addresses: ['/ip4/127.0.0.1/tcp/9'], created })
    const tryUpdate = async (via: HostileClient, payload: Uint8Array, signer: Identity): Promise<string | undefined> => {
      const s = await via.openStream(bAddress)
      s.write(batch(envelopeBytes(ADDRESS_UPDATE, payload, [signer.signature(ADDRESS_UPDATE, payload)])))
      const receipt = openReceipt(await s.readFrame(), bId)
      return receipt.status === 'accepted' ? 'accepted' : receipt.reason
    }
    try {
      // Mallory says where A is: not hers to say.
      expect(await tryUpdate(mallory, update(aId, new Date().toISOString()), mallory.identity)).toBe('SIGNER_MISMATCH')
      // Mallory relays an update signed with her key but naming A on a stream of her own: same.
      const aIdentity = await Identity.create(await seedOf(a.dir))
      // A's own key, but on Mallory's authenticated stream: the signature is not the remote's.
      expect(await tryUpdate(mallory, update(aId, new Date().toISOString()), aIdentity)).toBe('SIGNER_MISMATCH')
    } finally {
      await mallory.stop()
    }
    // A itself replays an update older than the one B applied.
    const applied = (await (await client(b)).peer(aId)).addressUpdate!
    await a.stop()
    const aSelf = await HostileClient.create(await Identity.create(await seedOf(a.dir)))
    try {
      const older = new Date(Date.parse(applied.created) - 60_000).toISOString()
      expect(await tryUpdateAs(aSelf, bAddress, bId, update(aId, older))).toBe('STALE_UPDATE')
      expect(await tryUpdateAs(aSelf, bAddress, bId, update(aId, new Date(Date.now() + 3_600_000).toISOString()))).toBe('CLOCK_SKEW')
    } finally {
      await aSelf.stop()
    }
    expect((await (await client(b)).peer(aId)).addressUpdate).toEqual(applied)
    await a.start()
  })

  it('a send to a peer that cannot be reached says so, with the address tried (CLI and API)', async () => {
    const address = a.runtime!.addresses[0]
    await a.stop()
    const sent = await sendWait(b, aId, '3s')
    expect(sent.code).toBe(1)
    expect(sent.stderr).toMatch(/^error PEER_UNREACHABLE: /)
    expect(sent.stderr).toContain(`cannot be reached at ${address}`)
    expect(sent.stderr).toMatch(/ECONNREFUSED/)
    const cb = await client(b)
    const queued = await cb.send({ to: [aId], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: {} })
    expect(queued.recipients).toEqual([{ peerId: aId, status: 'queued', reason: 'PEER_UNREACHABLE', detail: expect.stringContaining(address) }])
    await expect(cb.send({ to: [aId], kind: 'report', tlp: 'GREEN', topic: 'fraud', legalBasis: TEST_AGREEMENT, body: {} }, { wait: true, timeoutMs: 2000 }))
      .rejects.toMatchObject({ code: 'PEER_UNREACHABLE', message: expect.stringContaining(address) })
    await a.start()
  })

  it('the address updates are audited on both sides and audit verify passes', async () => {
    await Promise.all([a.stop(), b.stop()])
    for (const n of [a, b]) {
      const v = await cli(['audit', 'verify', '--data-dir', n.dir])
      expect(v.code, v.stdout + v.stderr).toBe(0)
    }
    const entries = async (n: NodeProcess): Promise<string> => {
      const out = join(root, `bundle-${n.name}`)
      const e = await cli(['audit', 'export', '--data-dir', n.dir, '--out', out])
      expect(e.code, e.stderr).toBe(0)
      return await readFile(join(out, 'audit', 'entries.jsonl'), 'utf8')
    }
    // A logged the update it sent; B the update it received and the trust change it made.
    expect(await entries(a)).toContain(ADDRESS_UPDATE)
    const bLog = await entries(b)
    expect(bLog).toContain(ADDRESS_UPDATE)
    expect(bLog).toContain('peer.addresses-updated')
    await Promise.all([a.start(), b.start()])
  })
})

async function tryUpdateAs (via: HostileClient, address: string, nodeId: string, payload: Uint8Array): Promise<string | undefined> {
  const s = await via.openStream(address)
  s.write(batch(envelopeBytes(ADDRESS_UPDATE, payload, [via.identity.signature(ADDRESS_UPDATE, payload)])))
  const receipt = openReceipt(await s.readFrame(), nodeId)
  return receipt.status === 'accepted' ? 'accepted' : receipt.reason
}
