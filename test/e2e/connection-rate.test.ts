/**
 * The per-address limit on new inbound connections (`exchange.inboundConnectionsPerHost`):
 * connections beyond it in one second are closed before the Noise handshake, whoever dials; an
 * operator whose peers share one address (NAT, or a federation on one machine) raises it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm } from 'node:fs/promises'
import { createTrusting, startAll, tempDir, type TestNode } from '../helpers/node-process.ts'
import { HostileClient, trustPeer } from '../helpers/hostile-client.ts'
import { DEFAULT_INBOUND_CONNECTIONS_PER_HOST } from '../../node/defaults.ts'

const BURST = 20

describe('new inbound connections from one address', () => {
  let root: string
  let strict: TestNode
  let lenient: TestNode
  let dialer: HostileClient

  beforeAll(async () => {
    root = await tempDir()
    ;[strict, lenient] = await createTrusting(root, [{ name: 'strict' }, { name: 'lenient', exchange: { inboundConnectionsPerHost: 1000 } }])
    dialer = await HostileClient.create()
    await trustPeer(strict.dir, dialer.peerId, 'dialer')
    await trustPeer(lenient.dir, dialer.peerId, 'dialer')
    await startAll([strict, lenient])
  })

  afterAll(async () => {
    await dialer?.stop()
    await Promise.all([strict?.stop(), lenient?.stop()])
    await rm(root, { recursive: true, force: true })
  })

  /** `BURST` connections one after another, each hung up before the next; how many got through. */
  async function burst (node: TestNode): Promise<{ accepted: number, refused: number, seconds: number }> {
    const started = Date.now()
    let accepted = 0
    let refused = 0
    for (let i = 0; i < BURST; i++) {
      try {
        await dialer.connect(node.address)
        accepted++
      } catch {
        refused++
      }
      await dialer.hangUp(node.address)
    }
    return { accepted, refused, seconds: (Date.now() - started) / 1000 }
  }

  it(
    `by default takes ${DEFAULT_INBOUND_CONNECTIONS_PER_HOST} per second and closes the rest of a burst, even from a trusted peer, and stays ` +
      `healthy`,
    async () => {
      const { accepted, refused, seconds } = await burst(strict)
      expect(refused).toBeGreaterThan(0)
      // The limit counts in fixed one-second windows; the burst spanned at most this many.
      expect(accepted).toBeLessThanOrEqual(DEFAULT_INBOUND_CONNECTIONS_PER_HOST * (Math.ceil(seconds) + 1))
      expect((await (await strict.client()).health()).status).toBe('ready')
    }
  )

  it('raised in the config, lets the same burst through', async () => {
    expect(await burst(lenient)).toMatchObject({ accepted: BURST, refused: 0 })
  })
})
