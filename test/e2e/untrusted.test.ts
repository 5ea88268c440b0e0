import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { TestNode, tempDir, until } from '../helpers/node-process.ts'
import { EXCHANGE_PROTOCOL } from '../../protocol/frame.ts'

describe('a node is closed to peers not on its trust list', () => {
  let root: string
  let b: TestNode
  let stranger: Libp2p

  beforeAll(async () => {
    root = await tempDir()
    b = await TestNode.create({ name: 'b', root })
    await b.start()
    stranger = await createLibp2p({
      privateKey: await generateKeyPair('Ed25519'),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()]
    })
  })

  afterAll(async () => {
    await stranger?.stop()
    await b?.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('refuses the connection right after the Noise handshake: no protocol stream is ever opened', async () => {
    await expect(stranger.dialProtocol(multiaddr(b.address), EXCHANGE_PROTOCOL)).rejects.toThrow()
    // B logged the refusal with the stranger's authenticated peer ID…
    await until(() => b.output.includes(stranger.peerId.toString()) && b.output.includes('connection refused'), 10_000, 'refusal log')
    // …and B has no connection to it and nothing in its inbox.
    expect(stranger.getConnections().filter(c => c.status === 'open')).toHaveLength(0)
    const client = await b.client()
    expect(await client.inbox()).toEqual([])
    expect(b.output).not.toContain('exchange stream')
  })

  it('B never dials an untrusted peer either', async () => {
    const client = await b.client()
    await expect(client.send({ to: [stranger.peerId.toString()], kind: 'report', tlp: 'CLEAR', topic: 't', legalBasis: 'L', body: {} })).rejects.toMatchObject({
      code: 'RECIPIENT_REFUSED'
    })
  })
})
