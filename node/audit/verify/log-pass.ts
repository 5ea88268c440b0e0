/**
 * The log passes. First the entries, in index order, read through the log's own sublevel
 * (audit-store.ts) in large batches: every entry must decode (entry.ts), seal times never
 * decrease, each leaf hash is recomputed, the tree is rebuilt and its root compared with every
 * checkpoint at that size; what each entry says about messages and receipts goes into the
 * record table.
 *
 * Then (thorough) the stored tree nodes, level by level, against the hashes the entries imply —
 * so the proofs the node serves (`prove`, the export bundle) are built from checked nodes only;
 * and consecutive checkpoints shown consistent with proofs built from those nodes.
 *
 * @module
 */
import { utf8Decode } from '../../../protocol/json.ts'
import { nodeHash, verifyConsistency } from '../../../protocol/merkle.ts'
import { consistencyProof, MerkleAppender } from '../../../protocol/merkle-tree.ts'
import { nodeKey, pad } from '../audit-store.ts'
import { decodeEntryText, entryDigests } from '../entry.ts'
import type { AuditEntry } from '../entry.ts'
import { timestampMs } from '../timestamp.ts'
import { batches, cursor } from './context.ts'
import type { Cursor, VerifyContext } from './context.ts'
import { indexFieldsOfEntry } from './index-tuple.ts'
import { hexInto, LEAF, sha256Into } from './record-table.ts'

let scratch = Buffer.allocUnsafeSlow(64 * 1024)

/** RFC 9162 leaf hash SHA-256(0x00 ‖ `bytes`) into out[at, at + 32), through one reused buffer. */
function leafHashInto (bytes: Uint8Array, out: Buffer, at: number): void {
  if (scratch.length < bytes.length + 1) scratch = Buffer.allocUnsafeSlow(2 * bytes.length + 1)
  scratch[0] = 0
  scratch.set(bytes, 1)
  sha256Into(scratch.subarray(0, bytes.length + 1), out, at)
}

/** Returns the leaf hashes (32 bytes each, in index order), for the tree pass. */
export async function entryPass (ctx: VerifyContext, expectedSize: number): Promise<Buffer> {
  const { failures, checkpoints } = ctx
  const tree = new MerkleAppender()
  let leaves = Buffer.alloc(32 * Math.max(expectedSize, 1024))
  let contiguous = true
  let cp = 0
  let lastAt = -Infinity
  let index = 0
  for await (const batch of batches<Uint8Array>(ctx.audit.entry)) {
    for (const [key, value] of batch) {
      if (contiguous && Number(key) !== index) {
        failures.add('entry', `entry ${key}`, `entries are not contiguous: expected index ${index} (entries were deleted or inserted)`)
        contiguous = false
      }
      if (32 * (index + 1) > leaves.length) leaves = Buffer.concat([leaves], 2 * leaves.length)
      leafHashInto(value, leaves, 32 * index)
      if (contiguous) {
        tree.append(leaves.subarray(32 * index, 32 * index + 32))
        for (; checkpoints[cp]?.size === tree.size; cp++) {
          if (Buffer.compare(checkpoints[cp].root, tree.root()) !== 0) {
            failures.add(
              'checkpoint',
              `checkpoint ${tree.size}`,
              'its signed root differs from the root of the first entries of the log (the log was changed after it was signed)'
            )
          }
        }
      }
      let text: string
      let entry: AuditEntry
      try {
        text = utf8Decode(value)
        entry = decodeEntryText(text)
      } catch (err) {
        failures.add('entry', `entry ${index++}`, (err as Error).message)
        continue
      }
      const sealed = timestampMs(entry.at)
      if (sealed < lastAt) failures.add('entry', `entry ${index}`, `sealed at ${new Date(sealed).toISOString()}, before the entry preceding it`)
      lastAt = Math.max(lastAt, sealed)
      record(ctx, entry, text, index)
      if (++index % 4096 === 0) ctx.progress('entries', index, Math.max(index, expectedSize))
    }
  }
  ctx.counts.entries = index
  ctx.progress('entries', index, Math.max(index, expectedSize))
  for (; contiguous && cp < checkpoints.length; cp++) {
    failures.add('checkpoint', `checkpoint ${checkpoints[cp].size}`, `signs a tree larger than the log (${index} entries): entries were removed`)
  }
  ctx.tree = { size: index, root: contiguous ? tree.root() : null }
  return leaves.subarray(0, 32 * index)
}

/** Note what one entry says about messages and receipts. */
function record (ctx: VerifyContext, entry: AuditEntry, text: string, index: number): void {
  const { table, refs, thorough } = ctx
  if (entry.type === 'message.sent' || entry.type === 'message.received') {
    const t = table.recordHex(entry.digest, 0)
    const flags = table.leafFlags[t]
    const out = entry.type === 'message.sent' ? LEAF.out : 0
    table.leafFlags[t] = (flags & ~LEAF.out) | LEAF.message | out | ((flags & LEAF.message) !== 0 ? LEAF.repeated : 0)
    table.leafIndex[t] = index
    table.expires[t] = timestampMs(entry.expires)
    table.leafPeer[t] = table.peer(entry.from)
    hexInto(entry.envelopeSha256, table.leafSha, t * 32)
    sha256Into(entry.payloadType + '\n' + indexFieldsOfEntry(text, entry.type, entry.payloadType), table.leafTuple, t * 16, 16)
    ctx.counts.leaves++
    if (thorough) refs.add(entry.digest + '!' + pad(index))
  } else if (entry.type === 'receipt.stored') {
    const t = table.recordHex(entry.for, 1 + table.peer(entry.by))
    table.leafFlags[t] |= LEAF.receipt | ((table.leafFlags[t] & LEAF.receipt) !== 0 ? LEAF.repeated : 0)
    table.leafIndex[t] = index
    hexInto(entry.envelopeSha256, table.leafSha, t * 32)
    ctx.counts.leaves++
    if (thorough) refs.add(entry.for + '!' + pad(index))
  } else {
    const digests = entry.type === 'purge' ? entry.digests : entryDigests(entry)
    if (entry.type === 'purge') { for (const d of digests) table.leafFlags[table.recordHex(d, 0)] |= LEAF.purge }
    if (thorough) { for (const d of new Set(digests)) refs.add(d + '!' + pad(index)) }
  }
}

/** A cursor over the stored nodes of one level, in index order. */
function levelCursor (ctx: VerifyContext, level: number): Cursor<Uint8Array> {
  return cursor<Uint8Array>(ctx.audit.node, { gte: nodeKey(level, 0), lte: nodeKey(level, Number.MAX_SAFE_INTEGER) })
}

/**
 * Compare every stored node with the hash the entries imply: level 0 with `leaves`, each level
 * above computed in memory from the one below (RFC 9162: node (L, i) = SHA-256(0x01 ‖ node(L−1, 2i)
 * ‖ node(L−1, 2i+1))), exactly floor(size / 2^L) nodes per level and nothing else. Each stored node
 * is read once; memory peaks at 48 bytes per leaf.
 */
export async function treePass (ctx: VerifyContext, leaves: Uint8Array): Promise<void> {
  const size = leaves.length / 32
  let computed = leaves
  let checked = 0
  let level = 0
  for (; level === 0 || 2 ** level <= size; level++) {
    const count = computed.length / 32
    const cursor = levelCursor(ctx, level)
    let problems = 0
    const fail = (where: string, detail: string): void => {
      if (problems++ < 10) ctx.failures.add('tree', where, detail)
      else ctx.failures.count++
    }
    try {
      for (let i = 0; i < count; i++) {
        const node = await cursor.next()
        const name = level === 0 ? `leaf ${i}` : `node ${level}/${i}`
        if (node?.[0] !== nodeKey(level, i)) {
          fail(name, level === 0 ? 'its stored leaf hash is missing' : 'is missing from the store')
          break
        }
        if (Buffer.compare(node[1], computed.subarray(32 * i, 32 * i + 32)) !== 0) {
          fail(name, level === 0 ? 'its stored leaf hash differs from SHA-256(0x00 ‖ entry)' : 'differs from the hash of the entries below it')
        }
        if (++checked % 8192 === 0) ctx.progress('tree', checked, 2 * size)
      }
      const extra = await cursor.next()
      if (extra !== undefined) fail(`node ${extra[0]}`, `stored beyond the ${count} nodes a tree of ${size} entries has at level ${level}`)
    } finally {
      await cursor.close()
    }
    const next = new Uint8Array(32 * Math.floor(count / 2))
    for (let i = 0; i < next.length; i += 32) next.set(nodeHash(computed.subarray(2 * i, 2 * i + 32), computed.subarray(2 * i + 32, 2 * i + 64)), i)
    computed = next
  }
  const above = levelCursor(ctx, level)
  try {
    const stray = await above.next()
    if (stray !== undefined) ctx.failures.add('tree', `node ${stray[0]}`, `stored above the top level of a tree of ${size}`)
  } finally {
    await above.close()
  }
  ctx.progress('tree', checked, checked)
}

/** Each checkpoint consistent with the next (RFC 9162 §2.1.4), with proofs from the stored nodes. */
export async function consistencyPass (ctx: VerifyContext): Promise<void> {
  const nodes = ctx.audit.nodeStore()
  const cps = ctx.checkpoints.filter(c => c.size > 0 && c.size <= ctx.tree.size)
  for (let i = 1; i < cps.length; i++) {
    const [a, b] = [cps[i - 1], cps[i]]
    const where = `checkpoints ${a.size} → ${b.size}`
    try {
      const proof = await consistencyProof(nodes, a.size, b.size)
      if (!verifyConsistency(a.size, b.size, proof, a.root, b.root)) {
        ctx.failures.add('checkpoint', where, 'are not consistent (the later tree does not extend the earlier one)')
      }
    } catch (err) {
      ctx.failures.add('checkpoint', where, `no consistency proof can be built: ${(err as Error).message}`)
    }
    if (b.time < a.time) ctx.failures.add('checkpoint', `checkpoint ${b.size}`, `its time (${b.time}) is before that of checkpoint ${a.size} (${a.time})`)
  }
}
