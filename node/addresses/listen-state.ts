/**
 * What a node remembers about where it listens, in `DIR/listen.json`, so that a restart does
 * not make it unreachable:
 *
 * - `ports`: for each configured listen address with port 0, the port the node got the first
 *   time. Later starts ask for that port again; only when it is taken (by another program, or
 *   a copy of this data directory) does the node fall back to a new one — and then tells its
 *   peers (an address update).
 * - `addresses`: the addresses it last told its peers (on its card or in a signed address
 *   update). When the addresses it listens on differ at a start, it announces the new ones.
 *
 * ```json
 * {"v":1,"ports":{"/ip4/127.0.0.1/tcp/0":41723},"addresses":["/ip4/127.0.0.1/tcp/41723"]}
 * ```
 *
 * Written atomically (temporary file, fsync, rename). A missing or unreadable file means
 * "nothing remembered" (the node then behaves as on its first start), never a failed start.
 *
 * @module
 */
import { open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'

export const LISTEN_STATE_FILE = 'listen.json'

export interface ListenState {
  v: 1
  ports: Record<string, number>
  addresses: string[]
}

export const listenStatePath = (dir: string): string => join(dir, LISTEN_STATE_FILE)

export async function readListenState (dir: string): Promise<ListenState> {
  try {
    const value = JSON.parse(await readFile(listenStatePath(dir), 'utf8')) as Partial<ListenState>
    const ports: Record<string, number> = {}
    for (const [k, p] of Object.entries(value.ports ?? {})) if (Number.isInteger(p) && p > 0 && p < 65536) ports[k] = p
    const addresses = Array.isArray(value.addresses) ? value.addresses.filter((a): a is string => typeof a === 'string') : []
    return { v: 1, ports, addresses }
  } catch {
    return { v: 1, ports: {}, addresses: [] }
  }
}

export async function writeListenState (dir: string, state: ListenState): Promise<void> {
  const file = listenStatePath(dir)
  const tmp = `${file}.tmp`
  const handle = await open(tmp, 'w', 0o644)
  try {
    await handle.writeFile(JSON.stringify(state) + '\n')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, file)
}

const isPortZero = (address: string): boolean => /\/tcp\/0$/.test(address)

/** The configured listen addresses with each port 0 replaced by the port remembered for it. */
export function resolveListen (configured: readonly string[], state: ListenState): string[] {
  return configured.map(a => isPortZero(a) && state.ports[a] != null ? a.replace(/\/tcp\/0$/, `/tcp/${state.ports[a]}`) : a)
}

/**
 * The ports the node got for its port-0 addresses, from what libp2p listens on: each port-0
 * address takes the port of the first bound address on the same host (any host of its family
 * for 0.0.0.0 and ::) not already taken by another configured address.
 */
export function boundPorts (configured: readonly string[], bound: readonly string[]): Record<string, number> {
  const ports: Record<string, number> = {}
  const used = new Set<number>()
  for (const c of configured) if (!isPortZero(c)) used.add(Number(c.slice(c.lastIndexOf('/') + 1)))
  for (const c of configured) {
    if (!isPortZero(c)) continue
    const want = hostOf(c)
    for (const b of bound) {
      const got = hostOf(b)
      const port = portOf(b)
      if (port == null || used.has(port) || got.family !== want.family) continue
      if (want.host !== '0.0.0.0' && want.host !== '::' && got.host !== want.host) continue
      ports[c] = port
      used.add(port)
      break
    }
  }
  return ports
}

/** The addresses to tell peers: each bound TCP address without its /p2p/ part, sorted, unique. */
export function announceable (bound: readonly string[]): string[] {
  const out = new Set<string>()
  for (const b of bound) {
    const ma = multiaddr(b)
    const parts = ma.getComponents().filter(c => c.name !== 'p2p')
    if (parts.length !== 2 || parts[1].name !== 'tcp') continue
    out.add(parts.map(c => `/${c.name}/${c.value ?? ''}`).join(''))
  }
  return [...out].sort()
}

function hostOf (address: string): { family: string, host: string } {
  const [, family = '', host = ''] = address.split('/')
  return { family, host }
}

function portOf (address: string): number | undefined {
  const m = /\/tcp\/(\d+)/.exec(address)
  return m == null ? undefined : Number(m[1])
}
