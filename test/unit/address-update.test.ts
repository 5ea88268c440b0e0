import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { encodeAddressUpdate, parseAddressUpdate, TCP_MULTIADDR, validateAddressUpdate } from '../../protocol/address-update.ts'
import { announceable, boundPorts, resolveListen } from '../../node/addresses/listen-state.ts'

const PEER = '12D3KooWQK1wnefoLrcVHbbnf5tLzbopUd3K3bFAoJpA7YJgL5pV'
const good = {
  v: 1,
  id: '019bc0fd-89c0-7c4d-9e21-5a7703b8e16f',
  peerId: PEER,
  addresses: ['/ip4/192.0.2.10/tcp/4001', '/dns4/liaison.example.org/tcp/4001'],
  created: '2026-01-15T09:30:00.000Z'
}

describe('address update v1 schema', () => {
  it('round-trips a valid update in the fixed key order', () => {
    const bytes = encodeAddressUpdate(good as never)
    expect(new TextDecoder().decode(bytes)).toBe(JSON.stringify(good))
    expect(parseAddressUpdate(bytes)).toEqual(good)
  })

  it.each([
    ['no addresses', { addresses: [] }],
    ['a /p2p/ part', { addresses: [`/ip4/192.0.2.10/tcp/4001/p2p/${PEER}`] }],
    ['port 0', { addresses: ['/ip4/192.0.2.10/tcp/0'] }],
    ['port above 65535', { addresses: ['/ip4/192.0.2.10/tcp/65536'] }],
    ['a bad IPv4', { addresses: ['/ip4/300.0.0.1/tcp/1'] }],
    ['a UDP address', { addresses: ['/ip4/192.0.2.10/udp/1'] }],
    ['a repeated address', { addresses: ['/ip4/192.0.2.10/tcp/1', '/ip4/192.0.2.10/tcp/1'] }],
    ['17 addresses', { addresses: Array.from({ length: 17 }, (_, i) => `/ip4/192.0.2.10/tcp/${i + 1}`) }],
    ['an unknown member', { colour: 'red' }],
    ['a bad peer ID', { peerId: 'QmNope' }],
    ['v 2', { v: 2 }]
  ])('refuses %s with SCHEMA_INVALID', (_, patch) => {
    expect(() => validateAddressUpdate({ ...good, ...patch })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
  })
})

describe('TCP multiaddr pattern', () => {
  it('is, built from parts to fit the line limit, the same pattern as the one-line regex literal it replaced', () => {
    // SHA-256 of the literal's .source before the split (too long for one line itself)
    expect(createHash('sha256').update(TCP_MULTIADDR.source).digest('hex')).toBe('bf1ab4aaefd0e831655c5211106b7e97839d95e8e0f594c9f3a7214efbe273d9')
    expect(TCP_MULTIADDR.flags).toBe('')
  })
})

describe('listen state', () => {
  it('asks again for the port a port-0 address got, and leaves fixed ports alone', () => {
    const state = { v: 1 as const, ports: { '/ip4/127.0.0.1/tcp/0': 41723 }, addresses: [] }
    expect(resolveListen(['/ip4/127.0.0.1/tcp/0', '/ip4/0.0.0.0/tcp/4001', '/ip6/::1/tcp/0'], state)).toEqual([
      '/ip4/127.0.0.1/tcp/41723',
      '/ip4/0.0.0.0/tcp/4001',
      '/ip6/::1/tcp/0'
    ])
  })

  it('maps each port-0 address to the port it was bound to, wildcard hosts by family', () => {
    const bound = [
      `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`,
      `/ip4/127.0.0.1/tcp/41723/p2p/${PEER}`,
      `/ip4/10.0.0.5/tcp/41723/p2p/${PEER}`,
      `/ip6/::1/tcp/41999/p2p/${PEER}`
    ]
    expect(boundPorts(['/ip4/0.0.0.0/tcp/4001', '/ip4/0.0.0.0/tcp/0', '/ip6/::/tcp/0'], bound)).toEqual({ '/ip4/0.0.0.0/tcp/0': 41723, '/ip6/::/tcp/0': 41999 })
    expect(announceable(bound)).toEqual(['/ip4/10.0.0.5/tcp/41723', '/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/41723', '/ip6/::1/tcp/41999'])
  })
})
