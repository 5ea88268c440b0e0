/**
 * Pass over the audit entries, in index order: every entry must decode (canonical encoding,
 * valid fields), seal times never decrease, each leaf hash is recomputed (the tree pass compares
 * them with the stored level-0 nodes), the tree is rebuilt and its root compared with every
 * checkpoint at that size. What each entry says about messages and receipts goes into the record table.
 *
 * The workers read, hash and decode the entries from the store's files (entry-scan.ts); this
 * pass keeps the newest version of each key over all files — what LevelDB serves, none if that
 * is a deletion — and takes them in key order.
 *
 * @module
 */
import { emptyRoot } from '../../../protocol/merkle.ts'
import { nodeHashInto } from './fast-hash.ts'
import { pad } from '../audit-store.ts'
import type { VerifyContext } from './context.ts'
import { ENTRY_INVALID, ENTRY_PURGE, ENTRY_RECEIPT, ENTRY_RECEIVED, ENTRY_RECORD, ENTRY_SENT } from './entry-scan.ts'
import type { EntryVersions, FoundEntryFile } from './entry-versions.ts'
import { LEAF_MESSAGE, LEAF_OUT, LEAF_PURGE, LEAF_RECEIPT, LEAF_REPEATED } from './record-table.ts'

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
export async function entryPass (ctx: VerifyContext, expectedSize: number, versions: EntryVersions, files: Promise<void>): Promise<Buffer> {
  const { failures } = ctx
  const tree = new Frontier()
  let leaves = Buffer.alloc(32 * Math.max(expectedSize, 1024))
  let cp = 0
  let lastAt = -Infinity
  let index = 0

  // Every file read (a failed file job is reported by the caller, which awaits it too).
  await files.catch(() => {})
  const ordered = versions.ordered()
  for (const [key, { from, record: r }] of ordered) {
    if (!ctx.treeBroken && Number(key) !== index) {
      failures.add('entry', `entry ${key}`, `entries are not contiguous: expected index ${index} (entries were deleted or inserted)`)
      ctx.treeBroken = true
    }
    if (32 * (index + 1) > leaves.length) {
      const grown = Buffer.alloc(leaves.length * 2)
      leaves.copy(grown)
      leaves = grown
    }
    const at = r * ENTRY_RECORD
    from.bytes.copy(leaves, 32 * index, at + 32, at + 64)
    if (!ctx.treeBroken) {
      tree.append(leaves, 32 * index)
      while (cp < ctx.checkpoints.length && ctx.checkpoints[cp].size === tree.size) {
        if (!equalBytes(ctx.checkpoints[cp].root, tree.root())) {
          failures.add(
            'checkpoint',
            `checkpoint ${tree.size}`,
            'its signed root differs from the root of the first entries of the log (the log was changed after it was signed)'
          )
        }
        cp++
      }
    }
    if (from.bytes[at] === ENTRY_INVALID) {
      failures.add('entry', `entry ${index}`, from.problems.get(r) ?? 'does not decode')
    } else {
      const sealed = from.view.getFloat64(at + 16, true)
      if (sealed < lastAt) failures.add('entry', `entry ${index}`, `sealed at ${new Date(sealed).toISOString()}, before the entry preceding it`)
      lastAt = Math.max(lastAt, sealed)
      record(ctx, from, r, index)
    }
    index++
    if (index % 4096 === 0) ctx.progress('entries', index, Math.max(index, expectedSize))
  }
  ctx.counts.entries = index
  ctx.progress('entries', index, Math.max(index, expectedSize))
  for (; cp < ctx.checkpoints.length; cp++) {
    if (!ctx.treeBroken) {
      failures.add('checkpoint', `checkpoint ${ctx.checkpoints[cp].size}`, `signs a tree larger than the log (${index} entries): entries were removed`)
    }
  }
  ctx.tree = { size: index, root: ctx.treeBroken ? null : tree.root() }
  return leaves.subarray(0, 32 * index)
}

/** Note what one entry says about messages and receipts. */
function record (ctx: VerifyContext, from: FoundEntryFile, r: number, index: number): void {
  const { table } = ctx
  const at = r * ENTRY_RECORD
  const type = from.bytes[at]
  const digest = from.bytes.subarray(at + 64, at + 96)
  switch (type) {
    case ENTRY_SENT:
    case ENTRY_RECEIVED: {
      const t = table.record(digest, 0)
      const flags = table.leafFlags[t]
      table.leafFlags[t] = (flags & ~LEAF_OUT) | LEAF_MESSAGE | (type === ENTRY_SENT ? LEAF_OUT : 0) | ((flags & LEAF_MESSAGE) !== 0 ? LEAF_REPEATED : 0)
      table.leafIndex[t] = index
      table.expires[t] = from.view.getFloat64(at + 24, true)
      table.leafPeer[t] = from.peers[from.view.getUint32(at + 4, true)]
      from.bytes.copy(table.leafSha, t * 32, at + 96, at + 128)
      from.bytes.copy(table.leafTuple, t * 16, at + 128, at + 144)
      ctx.counts.messageLeaves++
      if (ctx.thorough) ctx.refs.add(digest.toString('hex') + '!' + pad(index))
      break
    }
    case ENTRY_RECEIPT: {
      const t = table.record(digest, 1 + from.peers[from.view.getUint32(at + 4, true)])
      table.leafFlags[t] |= LEAF_RECEIPT | ((table.leafFlags[t] & LEAF_RECEIPT) !== 0 ? LEAF_REPEATED : 0)
      table.leafIndex[t] = index
      from.bytes.copy(table.leafSha, t * 32, at + 96, at + 128)
      ctx.counts.receiptLeaves++
      if (ctx.thorough) ctx.refs.add(digest.toString('hex') + '!' + pad(index))
      break
    }
    default: {
      const digests = from.digests.get(r)
      if (digests === undefined) break
      if (type === ENTRY_PURGE) { for (const d of digests) table.leafFlags[table.recordHex(d, 0)] |= LEAF_PURGE }
      if (ctx.thorough) { for (const d of new Set(digests)) ctx.refs.add(d + '!' + pad(index)) }
    }
  }
}
