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
import {
  ENVELOPE_CHECKED,
  HAS_ENVELOPE,
  HAS_META,
  HAS_RECEIPT,
  LEAF_MESSAGE,
  LEAF_OUT,
  LEAF_PURGE,
  LEAF_RECEIPT,
  LEAF_REPEATED,
  META_OUT,
  META_PURGED,
  SetFingerprint
} from './record-table.ts'
import { where } from './store-pass.ts'

export function judgeRecords (ctx: VerifyContext): { purged: number, repeated: number } {
  const { table, failures } = ctx
  let purged = 0
  let repeated = 0
  for (let r = 0; r < table.count; r++) {
    const leaf = table.leafFlags[r]
    const stored = table.storeFlags[r]
    if ((leaf & LEAF_REPEATED) !== 0) repeated++
    const receipt = table.slotOf[r] !== 0
    const fail = (detail: string): void => {
      failures.add(receipt ? 'receipt' : 'message', where(ctx, r), detail)
    }
    const hasLeaf = (leaf & (receipt ? LEAF_RECEIPT : LEAF_MESSAGE)) !== 0
    const hasStored = (stored & (receipt ? HAS_RECEIPT : HAS_META)) !== 0
    const leafPurged = (leaf & LEAF_PURGE) !== 0
    if (hasLeaf && !hasStored) fail(`is missing from the store (its leaf is entry ${table.leafIndex[r]})`)
    else if (!hasLeaf && hasStored) fail('is stored without its audit leaf')
    else if (receipt) {
      if (hasLeaf && !table.shaEqual(r)) fail(`its stored bytes differ from those its leaf (entry ${table.leafIndex[r]}) records`)
    } else if (!hasLeaf) {
      if (leafPurged) fail('a purge leaf names it, but neither the log nor the store has the message')
    } else {
      const hasEnvelope = (stored & HAS_ENVELOPE) !== 0
      const metaPurged = (stored & META_PURGED) !== 0
      if (((leaf & LEAF_OUT) !== 0) !== ((stored & META_OUT) !== 0)) fail('its direction (sent/received) differs between the store and its leaf')
      if (table.leafPeer[r] !== table.metaPeer[r]) fail('its sender differs between the store and its leaf')
      if (!table.tupleEqual(r)) fail(`its index record differs from its leaf (entry ${table.leafIndex[r]})`)
      if (metaPurged || leafPurged) {
        if (!metaPurged) fail('a purge leaf names it, but its index record is not marked purged')
        else if (!leafPurged) fail('marked purged without a purge leaf in the log')
        if (hasEnvelope) fail('marked purged, but its envelope is still stored')
        if (metaPurged && leafPurged && !hasEnvelope) purged++
      } else if (!hasEnvelope) {
        fail('its envelope is missing (it was not purged)')
      } else if ((stored & ENVELOPE_CHECKED) !== 0 && !table.shaEqual(r)) {
        fail(`its stored envelope bytes differ from those its leaf (entry ${table.leafIndex[r]}) records`)
      }
    }
  }
  return { purged, repeated }
}

/** The fingerprint of a sublevel's keys. */
async function keysOf (sub: ReadableSub<unknown>): Promise<SetFingerprint> {
  const found = new SetFingerprint()
  for await (const batch of batches(sub, { values: false }, 2048)) for (const [key] of batch) found.add(key)
  return found
}

/** audit-ref must hold exactly digest!index for every digest every entry names. */
export async function refIndexPass (ctx: VerifyContext): Promise<void> {
  const found = await keysOf(ctx.audit.ref)
  if (!found.equals(ctx.refs)) {
    ctx.failures.add(
      'index',
      'audit-ref',
      `the digest index holds ${found.count} keys that do not match the ${ctx.refs.count} the entries imply (\`prove\` would miss or invent leaves)`
    )
  }
}

/** audit-exp must hold expires!digest for every logged message not purged. */
export async function expiryIndexPass (ctx: VerifyContext): Promise<void> {
  const found = await keysOf(ctx.audit.exp)
  const expected = new SetFingerprint()
  const { table } = ctx
  for (let r = 0; r < table.count; r++) {
    if (table.slotOf[r] === 0 && (table.leafFlags[r] & (LEAF_MESSAGE | LEAF_PURGE)) === LEAF_MESSAGE) {
      expected.add(formatRfc3339Millis(table.expires[r]) + '!' + table.digestHex(r))
    }
  }
  if (!found.equals(expected)) {
    ctx.failures.add(
      'index',
      'audit-exp',
      `the expiry index holds ${found.count} keys that do not match the ${expected.count} unpurged messages of the log (retention would skip or misdate ` +
        `messages)`
    )
  }
}
