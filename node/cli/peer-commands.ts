/**
 * `liaison peers add|list|remove`.
 *
 * @module
 */
import { NodeError } from '../errors.ts'
import { parse, str, list, print } from './args.ts'
import { openService } from './context.ts'

export async function peersCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  const p = parse(rest, { 'peer-id': { type: 'string' }, name: { type: 'string' }, address: { type: 'string', multiple: true } })
  const handle = await openService(p.dataDir)
  try {
    const s = handle.service
    switch (sub) {
      case 'add': {
        const record = await s.addPeer({ peerId: str(p, 'peer-id', true) as string, name: str(p, 'name', true) as string, addresses: list(p, 'address') })
        if (p.values.json === true) print(record)
        else process.stdout.write(`added ${record.name} (${record.peerId})\n`)
        return 0
      }
      case 'list': {
        const peers = await s.peers()
        if (p.values.json === true) print(peers)
        else for (const r of peers) process.stdout.write(`${r.peerId}  ${r.status.padEnd(9)}  ${r.name}  ${r.addresses.join(' ')}\n`)
        return 0
      }
      case 'remove': {
        const id = p.positionals[0] ?? str(p, 'peer-id', true) as string
        await s.removePeer(id)
        process.stdout.write(`removed ${id}\n`)
        return 0
      }
      default:
        throw new NodeError('BAD_ARGUMENT', 'usage: liaison peers add|list|remove …')
    }
  } finally {
    await handle.close()
  }
}
