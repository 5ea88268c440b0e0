/**
 * `liaison store fsck [--data-dir DIR] [--json]`: the raw LevelDB files of a stopped node's
 * store checked against their formats and checksums (node/store/fsck/). An operator's tool for
 * failing disks and bad copies; exit 0 only if every file is intact. File checksums are not
 * tamper evidence — `liaison audit verify` is.
 *
 * @module
 */
import { dataDirPaths } from '../config/index.ts'
import { NodeError } from '../errors.ts'
import { assertNodeStopped, assertStoreExists } from '../audit/snapshot.ts'
import { formatFsckReport, fsckStore } from '../store/fsck/index.ts'
import { print } from './args.ts'
import type { Invocation } from './spec.ts'

export async function storeCommand (p: Invocation): Promise<number> {
  if (p.sub !== 'fsck') throw new NodeError('INTERNAL', `no handler for store ${p.sub}`)
  const paths = dataDirPaths(p.dataDir)
  // A running node's files change under the reader: a torn tail would look like damage.
  await assertNodeStopped(paths.root)
  await assertStoreExists(paths.store)
  const report = await fsckStore(paths.store)
  if (p.values.json === true) print(report)
  else process.stdout.write(formatFsckReport(report))
  return report.ok ? 0 : 1
}
