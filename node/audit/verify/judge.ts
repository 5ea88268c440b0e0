/**
 * The join, once the log and the store have both been read: every stored message and receipt
 * must have its leaf and every leaf its stored thing, with the same bytes (SHA-256 as recorded
 * in the leaf) and the same index fields; purged messages must be purged consistently (index
 * record kept with `purgedAt`, envelope gone, a `purge` leaf naming them). Then the two derived
 * indexes the node keeps beside the log (digest → leaf, expiry → message) must hold exactly the
 * keys the leaves imply.
 *
 * @module
 */
import { formatRfc3339Millis } from '../../../protocol/time.ts'
import { batches } from './context.ts'
import type { ReadableSub, VerifyContext } from './context.ts'
import { STORED, LEAF, SetFingerprint } from './record-table.ts'

export function judgeRecords (ctx: VerifyContext): { purged: number, repeated: number } {
  const { table, failures } = ctx
  let purged = 0
  let repeated = 0
  for (let r = 0; r < table.count; r++) {
    const leaf = table.leafFlags[r]
    const stored = table.storeFlags[r]
    if ((leaf & LEAF.repeated) !== 0) repeated++
    const receipt = table.slotOf[r] !== 0
    const fail = (detail: string): void => {
      failures.add(receipt ? 'receipt' : 'message', table.where(r), detail)
    }
    const hasLeaf = (leaf & (receipt ? LEAF.receipt : LEAF.message)) !== 0
    const hasStored = (stored & (receipt ? STORED.receipt : STORED.meta)) !== 0
    const leafPurged = (leaf & LEAF.purge) !== 0
    if (hasLeaf && !hasStored) fail(`is missing from the store (its leaf is entry ${table.leafIndex[r]})`)
    else if (!hasLeaf && hasStored) fail('is stored without its audit leaf')
    else if (receipt) {
      if (hasLeaf && !table.shaEqual(r)) fail(`its stored bytes differ from those its leaf (entry ${table.leafIndex[r]}) records`)
    } else if (!hasLeaf) {
      if (leafPurged) fail('a purge leaf names it, but neither the log nor the store has the message')
    } else {
      const hasEnvelope = (stored & STORED.envelope) !== 0
      const metaPurged = (stored & STORED.purged) !== 0
      if (((leaf & LEAF.out) !== 0) !== ((stored & STORED.out) !== 0)) fail('its direction (sent/received) differs between the store and its leaf')
      if (table.leafPeer[r] !== table.metaPeer[r]) fail('its sender differs between the store and its leaf')
      if (!table.tupleEqual(r)) fail(`its index record differs from its leaf (entry ${table.leafIndex[r]})`)
      if (metaPurged || leafPurged) {
        if (!metaPurged) fail('a purge leaf names it, but its index record is not marked purged')
        else if (!leafPurged) fail('marked purged without a purge leaf in the log')
        if (hasEnvelope) fail('marked purged, but its envelope is still stored')
        if (metaPurged && leafPurged && !hasEnvelope) purged++
      } else if (!hasEnvelope) {
        fail('its envelope is missing (it was not purged)')
      } else if ((stored & STORED.checked) !== 0 && !table.shaEqual(r)) {
        fail(`its stored envelope bytes differ from those its leaf (entry ${table.leafIndex[r]}) records`)
      }
    }
  }
  return { purged, repeated }
}

/**
 * The derived indexes hold exactly the keys the leaves imply: audit-ref digest!index for every
 * digest every entry names, audit-exp expires!digest for every logged message not purged.
 */
export async function indexPass (ctx: VerifyContext): Promise<void> {
  const { table } = ctx
  const expiring = new SetFingerprint()
  for (let r = 0; r < table.count; r++) {
    if (table.slotOf[r] === 0 && (table.leafFlags[r] & (LEAF.message | LEAF.purge)) === LEAF.message) {
      expiring.add(formatRfc3339Millis(table.expires[r]) + '!' + table.digestHex(r))
    }
  }
  const check = async (name: string, sub: ReadableSub<unknown>, expected: SetFingerprint, detail: (found: number) => string): Promise<void> => {
    const found = new SetFingerprint()
    for await (const batch of batches(sub, { values: false }, 2048)) for (const [key] of batch) found.add(key)
    if (!found.equals(expected)) ctx.failures.add('index', name, detail(found.count))
  }
  await Promise.all([
    check(
      'audit-ref',
      ctx.audit.ref,
      ctx.refs,
      n => `the digest index holds ${n} keys that do not match the ${ctx.refs.count} the entries imply (\`prove\` would miss or invent leaves)`
    ),
    check(
      'audit-exp',
      ctx.audit.exp,
      expiring,
      n => `the expiry index holds ${n} keys that do not match the ${expiring.count} unpurged messages of the log (retention would skip or misdate messages)`
    )
  ])
}
