/**
 * `liaison purge [--data-dir DIR] [--json]`: on a stopped node, delete the envelopes of every
 * expired message (index records, digests, receipts and audit leaves stay), record the purge in
 * the audit log and sign a checkpoint. A running node purges on its own schedule.
 *
 * @module
 */
import { dataDirPaths, loadIdentity } from '../config/index.ts'
import { NodeError } from '../errors.ts'
import { Store } from '../store/index.ts'
import { AuditLog } from '../audit/audit-log.ts'
import { Purger } from '../audit/purger.ts'
import { print } from './args.ts'
import type { Invocation } from './spec.ts'
import { readRuntime } from './context.ts'

export async function purgeCommand (p: Invocation): Promise<number> {
  if (await readRuntime(p.dataDir) != null) {
    throw new NodeError('DATA_DIR_IN_USE', `a node is running on ${p.dataDir}; it purges expired messages on its own schedule (stop it to purge now)`)
  }
  const { signer } = await loadIdentity(p.dataDir)
  const store = await Store.open(dataDirPaths(p.dataDir).store)
  try {
    const audit = await AuditLog.open(store, { signer })
    const result = await new Purger({ store, audit }).purge()
    await audit.stop()
    const checkpoint = audit.latestCheckpoint()
    if (p.values.json === true) {
      print({
        purged: result.purged,
        deferred: result.deferred,
        checkpoint: checkpoint == null ? null : { size: checkpoint.checkpoint.size, time: checkpoint.time }
      })
    } else {
      process.stdout.write(
        `Purged ${result.purged.length} expired message${result.purged.length === 1 ? '' : 's'}` +
          (result.deferred > 0 ? ` (${result.deferred} deferred: deliveries still pending)` : '') +
          (checkpoint != null ? `; audit log checkpointed at size ${checkpoint.checkpoint.size}.\n` : '.\n')
      )
    }
    return 0
  } finally {
    await store.close()
  }
}
