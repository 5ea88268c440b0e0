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
import { dataDirPaths, loadIdentity } from '../config/index.ts'
import { Store } from '../store/index.ts'
import { recordIdentitySwitch, switchIdentityIfAnswered } from '../runtime/liaison-node.ts'
import { AuditLog } from '../audit/index.ts'
import { durationFlag, print, str } from './args.ts'
import type { Invocation } from './spec.ts'
import { openService, readRuntime } from './context.ts'
import type { LiaisonService } from '../service/index.ts'

export async function keysCommand (p: Invocation): Promise<number> {
  const sub = p.sub
  if (sub === 'revoke') return await revokeCommand(str(p, 'certificate', true) as string, durationFlag(p, 'timeout'), p.json)
  if (sub === 'finish') {
    if (await readRuntime(p.dataDir) != null) {
      throw new NodeError(
        'DATA_DIR_IN_USE',
        'stop the node first: the identity switch happens on a stopped node (or automatically at start once every peer has answered)'
      )
    }
    const store = await Store.open(dataDirPaths(p.dataDir).store)
    try {
      const switched = await switchIdentityIfAnswered(p.dataDir, store, pino({ level: 'silent' }), p.values.force === true)
      if (switched != null) {
        const audit = await AuditLog.open(store, { signer: (await loadIdentity(p.dataDir)).signer })
        await recordIdentitySwitch(store, switched)
        await audit.stop()
      } else {
        const own = await store.ownRotation()
        throw new NodeError(
          'BAD_ARGUMENT',
          own == null
            ? 'no key rotation is in progress'
            : 'some peers have not answered the rotation yet; wait, or use --force (they will refuse the new identity until they approve it)'
        )
      }
      const peerId = (await loadIdentity(p.dataDir)).signer.peerId
      if (p.json) print({ switched: true, peerId })
      else process.stdout.write(`switched to the new identity key ${peerId}\n`)
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
        const status = await s.keyStatus()
        if (p.json) print(status)
        else process.stdout.write(describeKeyStatus(status))
        return 0
      }
      case 'approve': {
        const old = p.positionals[0]
        const record = await s.approveRotation(old)
        if (p.values.json === true) print(record)
        else process.stdout.write(`${record.name} now uses ${record.peerId}; the old key stays in its history\n`)
        return 0
      }
      default:
        throw new NodeError('INTERNAL', `no handler for keys ${sub}`)
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
async function revokeCommand (file: string, timeoutMs: number | undefined, json: boolean): Promise<number> {
  if (timeoutMs != null && timeoutMs < 100) throw new NodeError('BAD_ARGUMENT', '--timeout: expected at least 100ms')
  const { parseKit } = await import('../courier/kit.ts')
  const { deliverRevocation } = await import('../courier/deliver.ts')
  const kit = parseKit(await readFile(file, 'utf8'))
  if (kit.peers.length === 0) throw new NodeError('NOT_DELIVERED', 'the kit lists no peers: there is no one to deliver the certificate to')
  const results = await deliverRevocation(kit, timeoutMs != null ? { timeoutMs } : {})
  const delivered = results.filter(r => r.status === 'delivered').length
  if (json) print({ peerId: kit.peerId, courier: kit.courier.peerId, delivered, total: results.length, peers: results })
  else {
    for (const r of results) {
      process.stdout.write(
        `${r.status.padEnd(11)}  ${r.name}  ${r.peerId}${r.reason != null ? `  ${r.reason}` : ''}${r.detail != null ? `  (${r.detail})` : ''}\n`
      )
    }
    process.stdout.write(`${delivered} of ${results.length} peer(s) accepted the revocation of ${kit.peerId}\n`)
  }
  if (delivered === results.length) return 0
  if (!json) process.stderr.write(`error NOT_DELIVERED: ${results.length - delivered} peer(s) did not accept it; run the command again later for them\n`)
  return 1
}

type KeyStatus = Awaited<ReturnType<LiaisonService['keyStatus']>>

/** `keys status` as text: this node's rotation and each peer's answer, then peers' rotations. */
function describeKeyStatus (status: KeyStatus): string {
  const out: string[] = []
  const r = status.rotation
  if (r == null) out.push('no key rotation of this node in progress')
  else {
    out.push(`rotation ${r.id}: ${r.oldPeerId} → ${r.newPeerId}, announced ${r.created} to ${r.announcedTo.length} peer(s)`)
    for (const peer of status.peers) {
      out.push(
        `  ${peer.peerId}  ${(peer.name ?? '').padEnd(16)}  ${peer.answer.padEnd(9)}  receipt ${peer.received ?? '-'}  approved ${peer.approved ?? '-'}${
          peer.reason != null ? '  ' + peer.reason : ''
        }`
      )
    }
    if (status.waiting.length > 0) {
      out.push(`  waiting for ${status.waiting.length} peer(s); the node switches at its next start once all answered (or: liaison keys finish)`)
    }
  }
  if (status.peerRotations.length === 0) out.push('no rotation announced by a peer')
  for (const pr of status.peerRotations) {
    out.push(`peer rotation ${pr.oldPeerId} → ${pr.newPeerId}  ${pr.status}${pr.status === 'pending' ? `  (apply: liaison keys approve ${pr.oldPeerId})` : ''}`)
  }
  return out.join('\n') + '\n'
}
