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
    const at = (): string => where(ctx, r)
    const leafIndex = table.leafIndex[r]
    if (table.slotOf[r] !== 0) {
      if ((leaf & LEAF_RECEIPT) !== 0 && (stored & HAS_RECEIPT) === 0) {
        failures.add('receipt', at(), `is missing from the store (its leaf is entry ${leafIndex})`)
      }
      if ((leaf & LEAF_RECEIPT) === 0 && (stored & HAS_RECEIPT) !== 0) failures.add('receipt', at(), 'is stored without its audit leaf')
      if ((leaf & LEAF_RECEIPT) !== 0 && (stored & HAS_RECEIPT) !== 0 && !table.shaEqual(r)) {
        failures.add('receipt', at(), `its stored bytes differ from those its leaf (entry ${leafIndex}) records`)
      }
      continue
    }
    const hasLeaf = (leaf & LEAF_MESSAGE) !== 0
    const hasMeta = (stored & HAS_META) !== 0
    const hasEnvelope = (stored & HAS_ENVELOPE) !== 0
    const metaPurged = (stored & META_PURGED) !== 0
    const leafPurged = (leaf & LEAF_PURGE) !== 0
    if (hasLeaf && !hasMeta) {
      failures.add('message', at(), `is missing from the store (its leaf is entry ${leafIndex})`)
      continue
    }
    if (!hasLeaf && hasMeta) {
      failures.add('message', at(), 'is stored without its audit leaf')
      continue
    }
    if (!hasLeaf) {
      if (leafPurged) failures.add('message', at(), 'a purge leaf names it, but neither the log nor the store has the message')
      continue
    }
    if (((leaf & LEAF_OUT) !== 0) !== ((stored & META_OUT) !== 0)) {
      failures.add('message', at(), 'its direction (sent/received) differs between the store and its leaf')
    }
    if (table.leafPeer[r] !== table.metaPeer[r]) failures.add('message', at(), 'its sender differs between the store and its leaf')
    if (!table.tupleEqual(r)) failures.add('message', at(), `its index record differs from its leaf (entry ${leafIndex})`)
    if (metaPurged || leafPurged) {
      if (!metaPurged) failures.add('message', at(), 'a purge leaf names it, but its index record is not marked purged')
      else if (!leafPurged) failures.add('message', at(), 'marked purged without a purge leaf in the log')
      if (hasEnvelope) failures.add('message', at(), 'marked purged, but its envelope is still stored')
      if (metaPurged && leafPurged && !hasEnvelope) purged++
      continue
    }
    if (!hasEnvelope) {
      failures.add('message', at(), 'its envelope is missing (it was not purged)')
      continue
    }
    if ((stored & ENVELOPE_CHECKED) !== 0 && !table.shaEqual(r)) {
      failures.add('message', at(), `its stored envelope bytes differ from those its leaf (entry ${leafIndex}) records`)
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
