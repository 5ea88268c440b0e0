/**
 * Pass over the stored tree nodes, level by level: leaf hashes must be SHA-256(0x00 ‖ entry),
 * node (L, i) must be SHA-256(0x01 ‖ node(L−1, 2i) ‖ node(L−1, 2i+1)), exactly
 * floor(size / 2^L) nodes per level, nothing else — so every stored node is the hash the
 * entries imply, and the proofs the node serves (`prove`, the export bundle) are built from
 * checked nodes only. Then consecutive checkpoints are shown consistent with RFC 9162
 * consistency proofs built from those nodes.
 *
 * @module
 */
import { nodeHash, verifyConsistency } from '../../../protocol/merkle.ts'
import { consistencyProof } from '../../../protocol/merkle-tree.ts'
import { nodeKey } from '../audit-store.ts'
import { Cursor } from './context.ts'
import type { VerifyContext } from './context.ts'

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/** A cursor over one level of stored nodes, in index order. */
function levelCursor (ctx: VerifyContext, level: number): Cursor<Uint8Array> {
  return new Cursor<Uint8Array>(ctx.audit.node, { gte: nodeKey(level, 0), lte: nodeKey(level, Number.MAX_SAFE_INTEGER) })
}

/**
 * Compare every stored node with the hash the entries imply: level 0 with `leaves` (computed
 * from the entries), each level above computed in memory from the one below. Each stored node is
 * read once; memory peaks at 48 bytes per leaf.
 */
export async function treePass (ctx: VerifyContext, leaves: Uint8Array): Promise<void> {
  const { failures } = ctx
  const size = leaves.length / 32
  let level = 0
  let computed = leaves
  let checked = 0
  for (; level === 0 || 2 ** level <= size; level++) {
    const count = computed.length / 32
    const cursor = levelCursor(ctx, level)
    let problems = 0
    const fail = (where: string, detail: string): void => {
      if (problems++ < 10) failures.add('tree', where, detail)
      else failures.count++
    }
    try {
      for (let i = 0; i < count; i++) {
        const node = await cursor.next()
        const name = level === 0 ? `leaf ${i}` : `node ${level}/${i}`
        if (node?.[0] !== nodeKey(level, i)) {
          fail(name, level === 0 ? 'its stored leaf hash is missing' : 'is missing from the store')
          break
        }
        if (!equalBytes(node[1], computed.subarray(32 * i, 32 * i + 32))) {
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
    for (let i = 0; i < next.length / 32; i++) {
      next.set(nodeHash(computed.subarray(64 * i, 64 * i + 32), computed.subarray(64 * i + 32, 64 * i + 64)), 32 * i)
    }
    computed = next
  }
  // No node above the top level of this tree.
  const above = levelCursor(ctx, level)
  try {
    const stray = await above.next()
    if (stray !== undefined) failures.add('tree', `node ${stray[0]}`, `stored above the top level of a tree of ${size}`)
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
    const a = cps[i - 1]
    const b = cps[i]
    try {
      const proof = await consistencyProof(nodes, a.size, b.size)
      if (!verifyConsistency(a.size, b.size, proof, a.root, b.root)) {
        ctx.failures.add('checkpoint', `checkpoints ${a.size} → ${b.size}`, 'are not consistent (the later tree does not extend the earlier one)')
      }
    } catch (err) {
      ctx.failures.add('checkpoint', `checkpoints ${a.size} → ${b.size}`, `no consistency proof can be built: ${(err as Error).message}`)
    }
    if (b.time < a.time) ctx.failures.add('checkpoint', `checkpoint ${b.size}`, `its time (${b.time}) is before that of checkpoint ${a.size} (${a.time})`)
  }
}
