/**
 * `liaison keys rotate|status|finish`, `liaison keys approve OLD_PEER_ID` (apply a peer's
 * announced rotation) and `liaison keys revoke --certificate KIT` (deliver a revocation kit's
 * certificate to every peer it lists; needs no data directory).
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { pino } from 'pino'
import { NodeError } from '../errors.ts'
import { dataDirPaths, loadIdentity } from '../data-dir.ts'
import { Store } from '../store/store.ts'
import { recordIdentitySwitch, switchIdentityIfAnswered } from '../liaison-node.ts'
import { AuditLog } from '../audit/index.ts'
import { parse, print } from './args.ts'
import { openService, readRuntime } from './context.ts'

export async function keysCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  const p = parse(rest, { force: { type: 'boolean', default: false }, certificate: { type: 'string' }, 'timeout-ms': { type: 'string' } })
  if (sub === 'revoke') return await revokeCommand(p.values.certificate as string | undefined, p.values['timeout-ms'] as string | undefined, p.values.json === true)
  if (sub === 'finish') {
    if (await readRuntime(p.dataDir) != null) throw new NodeError('DATA_DIR_IN_USE', 'stop the node first: the identity switch happens on a stopped node (or automatically at start once every peer has answered)')
    const store = await Store.open(dataDirPaths(p.dataDir).store)
    try {
      const switched = await switchIdentityIfAnswered(p.dataDir, store, pino({ level: 'silent' }), p.values.force === true)
      if (switched != null) {
        const audit = await AuditLog.open(store, { signer: (await loadIdentity(p.dataDir)).signer })
        await recordIdentitySwitch(store, switched)
        await audit.stop()
      } else {
        const own = await store.ownRotation()
        throw new NodeError('BAD_ARGUMENT', own == null ? 'no key rotation is in progress' : 'some peers have not answered the rotation yet; wait, or use --force (they will refuse the new identity until they approve it)')
      }
      process.stdout.write('switched to the new identity key\n')
      return 0
    } finally {
      await store.close()
    }
  }
  const handle = await openService(p.dataDir)
  try {
    const s = handle.service
    switch (sub) {
      case 'rotate': {
        const own = await s.rotateKey()
        if (p.values.json === true) print(own)
        else {
          process.stdout.write(`new identity ${own.newPeerId} announced to ${own.announcedTo.length} peer(s)\n`)
          process.stdout.write('The node keeps its current key until every peer has answered; it switches at its next start (or run `liaison keys finish`).\n')
        }
        return 0
      }
      case 'status': {
        print(await s.keyStatus())
        return 0
      }
      case 'approve': {
        const old = p.positionals[0]
        if (old == null) throw new NodeError('BAD_ARGUMENT', 'usage: liaison keys approve OLD_PEER_ID')
        const record = await s.approveRotation(old)
        if (p.values.json === true) print(record)
        else process.stdout.write(`${record.name} now uses ${record.peerId}; the old key stays in its history\n`)
        return 0
      }
      default:
        throw new NodeError('BAD_ARGUMENT', 'usage: liaison keys rotate | status | finish [--force] | approve OLD_PEER_ID | revoke --certificate KIT [--json] [--timeout-ms N]')
    }
  } finally {
    await handle.close()
  }
}

/**
 * `liaison keys revoke --certificate KIT`: from any machine, with the revoked node gone, deliver
 * the kit's certificate to every peer it lists (node/courier/deliver.ts). Prints each peer's
 * outcome (delivered / refused / unreachable); exit 0 only if every peer accepted it, else 1
 * (NOT_DELIVERED). Run it again for the peers that did not: a peer that already acted on the
 * certificate accepts it again.
 */
async function revokeCommand (file: string | undefined, timeout: string | undefined, json: boolean): Promise<number> {
  if (file == null) throw new NodeError('BAD_ARGUMENT', 'usage: liaison keys revoke --certificate KIT [--json] [--timeout-ms N]  (KIT: DIR/revocation/<peerId>.kit.json, or your offline copy)')
  const timeoutMs = timeout != null ? Number(timeout) : undefined
  if (timeoutMs != null && (!Number.isSafeInteger(timeoutMs) || timeoutMs < 100)) throw new NodeError('BAD_ARGUMENT', '--timeout-ms must be an integer of at least 100')
  const { parseKit } = await import('../courier/kit.ts')
  const { deliverRevocation } = await import('../courier/deliver.ts')
  const kit = parseKit(await readFile(file, 'utf8'))
  if (kit.peers.length === 0) throw new NodeError('NOT_DELIVERED', 'the kit lists no peers: there is no one to deliver the certificate to')
  const results = await deliverRevocation(kit, timeoutMs != null ? { timeoutMs } : {})
  const delivered = results.filter(r => r.status === 'delivered').length
  if (json) print({ peerId: kit.peerId, courier: kit.courier.peerId, delivered, total: results.length, peers: results })
  else {
    for (const r of results) process.stdout.write(`${r.status.padEnd(11)}  ${r.name}  ${r.peerId}${r.reason != null ? `  ${r.reason}` : ''}${r.detail != null ? `  (${r.detail})` : ''}\n`)
    process.stdout.write(`${delivered} of ${results.length} peer(s) accepted the revocation of ${kit.peerId}\n`)
  }
  if (delivered === results.length) return 0
  if (!json) process.stderr.write(`error NOT_DELIVERED: ${results.length - delivered} peer(s) did not accept it; run the command again later for them\n`)
  return 1
}
