/**
 * Pass over the audit entries, in index order: every entry must decode (canonical encoding,
 * valid fields), seal times never decrease, each leaf hash is recomputed (the tree pass compares
 * them with the stored level-0 nodes), the tree is rebuilt and its root compared with every
 * checkpoint at that size. What each entry says about messages and receipts goes into the record table.
 *
 * @module
 */
import { emptyRoot } from '../../../protocol/merkle.ts'
import { leafHashInto, nodeHashInto, sha256Into } from './fast-hash.ts'
import { pad } from '../audit-store.ts'
import { timestampMs } from '../timestamp.ts'
import { decodeEntryText, entryDigests } from '../entry.ts'
import type { AuditEntry } from '../entry.ts'
import { batches } from './context.ts'
import type { VerifyContext } from './context.ts'
import { indexFieldsOfEntry } from './index-tuple.ts'
import { hexInto, LEAF_MESSAGE, LEAF_OUT, LEAF_PURGE, LEAF_RECEIPT, LEAF_REPEATED } from './record-table.ts'

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/** The RFC 9162 frontier in one buffer (one 32-byte slot per set bit of the size), no copies. */
class Frontier {
  size = 0
  private count = 0
  private readonly slots = Buffer.alloc(64 * 32)

  append (leaves: Buffer, at: number): void {
    leaves.copy(this.slots, 32 * this.count, at, at + 32)
    this.count++
    for (let index = this.size; index % 2 === 1; index = (index - 1) / 2) {
      const left = 32 * (this.count - 2)
      nodeHashInto(this.slots.subarray(left, left + 32), this.slots.subarray(left + 32, left + 64), this.slots, left)
      this.count--
    }
    this.size++
  }

  root (): Uint8Array {
    if (this.size === 0) return emptyRoot()
    const root = Buffer.from(this.slots.subarray(32 * (this.count - 1), 32 * this.count))
    for (let i = this.count - 2; i >= 0; i--) nodeHashInto(this.slots.subarray(32 * i, 32 * i + 32), root, root, 0)
    return root
  }
}

/**
 * Returns the leaf hashes it computed (32 bytes each, in index order), for the tree pass to
 * compare with the stored level-0 nodes.
 */
export async function entryPass (ctx: VerifyContext, expectedSize: number): Promise<Buffer> {
  const { failures } = ctx
  const tree = new Frontier()
  let leaves = Buffer.alloc(32 * Math.max(expectedSize, 1024))
  let cp = 0
  let lastAt = -Infinity
  let index = 0

  for await (const batch of batches<string>(ctx.entries, {}, 1024)) {
    for (const [key, text] of batch) {
      if (!ctx.treeBroken && Number(key) !== index) {
        failures.add('entry', `entry ${key}`, `entries are not contiguous: expected index ${index} (entries were deleted or inserted)`)
        ctx.treeBroken = true
      }
      if (32 * (index + 1) > leaves.length) {
        const grown = Buffer.alloc(leaves.length * 2)
        leaves.copy(grown)
        leaves = grown
      }
      leafHashInto(text, leaves, 32 * index)
      if (!ctx.treeBroken) {
        tree.append(leaves, 32 * index)
        while (cp < ctx.checkpoints.length && ctx.checkpoints[cp].size === tree.size) {
          if (!equalBytes(ctx.checkpoints[cp].root, tree.root())) {
            failures.add('checkpoint', `checkpoint ${tree.size}`, 'its signed root differs from the root of the first entries of the log (the log was changed after it was signed)')
          }
          cp++
        }
      }
      let entry: AuditEntry | undefined
      try {
        entry = decodeEntryText(text)
      } catch (err) {
        failures.add('entry', `entry ${index}`, (err as Error).message)
      }
      if (entry !== undefined) {
        const at = timestampMs(entry.at)
        if (at < lastAt) failures.add('entry', `entry ${index}`, `sealed at ${entry.at}, before the entry preceding it`)
        lastAt = Math.max(lastAt, at)
        record(ctx, entry, text, index)
        if (ctx.thorough) for (const digest of entryDigests(entry)) ctx.refs.add(digest + '!' + pad(index))
      }
      index++
    }
    ctx.counts.entries = index
    ctx.progress('entries', index, Math.max(index, expectedSize))
  }
  for (; cp < ctx.checkpoints.length; cp++) {
    if (!ctx.treeBroken) failures.add('checkpoint', `checkpoint ${ctx.checkpoints[cp].size}`, `signs a tree larger than the log (${index} entries): entries were removed`)
  }
  ctx.tree = { size: index, root: ctx.treeBroken ? null : tree.root() }
  return leaves.subarray(0, 32 * index)
}

/** Note what one entry says about messages and receipts. */
function record (ctx: VerifyContext, entry: AuditEntry, text: string, index: number): void {
  const { table, pool } = ctx
  switch (entry.type) {
    case 'message.sent':
    case 'message.received': {
      const r = table.recordHex(entry.digest, 0)
      const flags = table.leafFlags[r]
      table.leafFlags[r] = (flags & ~LEAF_OUT) | LEAF_MESSAGE | (entry.type === 'message.sent' ? LEAF_OUT : 0) | ((flags & LEAF_MESSAGE) !== 0 ? LEAF_REPEATED : 0)
      table.leafIndex[r] = index
      table.expires[r] = timestampMs(entry.expires)
      table.leafPeer[r] = pool.peer(entry.from)
      hexInto(entry.envelopeSha256, table.leafSha, r * 32)
      sha256Into(entry.payloadType + '\n' + indexFieldsOfEntry(text, entry.type, entry.payloadType), table.leafTuple, r * 16, 16)
      ctx.counts.messageLeaves++
      break
    }
    case 'receipt.stored': {
      const r = table.recordHex(entry.for, 1 + pool.peer(entry.by))
      table.leafFlags[r] |= LEAF_RECEIPT | ((table.leafFlags[r] & LEAF_RECEIPT) !== 0 ? LEAF_REPEATED : 0)
      table.leafIndex[r] = index
      hexInto(entry.envelopeSha256, table.leafSha, r * 32)
      ctx.counts.receiptLeaves++
      break
    }
    case 'purge':
      for (const digest of entry.digests) table.leafFlags[table.recordHex(digest, 0)] |= LEAF_PURGE
      break
    default:
  }
}
