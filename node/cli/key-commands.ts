/**
 * `liaison keys rotate|status|finish` and `liaison keys approve OLD_PEER_ID` (apply a peer's
 * announced rotation).
 *
 * @module
 */
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
  const p = parse(rest, { force: { type: 'boolean', default: false } })
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
        throw new NodeError('BAD_ARGUMENT', 'usage: liaison keys rotate | status | finish [--force] | approve OLD_PEER_ID')
    }
  } finally {
    await handle.close()
  }
}
