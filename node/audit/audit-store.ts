/**
 * Where the audit log lives in the node's LevelDB (new sublevels of `store.db`, written in the
 * same atomic batches as the events they record):
 *
 *   audit-entry  pad(index)              → entry bytes (entry.ts)
 *   audit-node   pad2(level)!pad(index)  → 32-byte hash of a complete perfect subtree
 *                                          (protocol/merkle-tree.ts; level 0 = leaf hashes)
 *   audit-cp     pad(size)               → signed checkpoint note (UTF-8 text, with cosignatures)
 *   audit-ref    digest!pad(index)       → ''  every leaf that names a message digest (`prove`)
 *   audit-exp    expires!digest          → ''  stored, unpurged messages by expiry (the purger)
 *   audit-meta   'keys'                  → [{ peerId, fromSize }] the node keys that signed checkpoints
 *
 * `pad` is 16 decimal digits so that key order is numeric order (store.ts).
 *
 * @module
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import type { MerkleNode, NodeRef, NodeStore } from '../../protocol/merkle-tree.ts'
import type { BatchOp } from '../store/index.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Root = AbstractLevel<any, string, any>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sub<V> = AbstractSublevel<Root, any, string, V>

export const SEP = '!'

/** 16-digit zero-padded decimal (the store's convention). */
export function pad (n: number): string {
  return n.toString().padStart(16, '0')
}

export function nodeKey (level: number, index: number): string {
  return level.toString().padStart(2, '0') + SEP + pad(index)
}

export function parseNodeKey (key: string): NodeRef {
  return { level: Number(key.slice(0, 2)), index: Number(key.slice(3)) }
}

/** The node keys in effect: `peerId` signed checkpoints from tree size `fromSize` on. */
export interface NodeKeyRecord {
  peerId: string
  fromSize: number
}

/** Per database, the sublevels to reopen when it opens again. */
type Reopenable = { status: string, open: () => Promise<void> }
const REOPEN = new WeakMap<object, Set<WeakRef<Reopenable>>>()

export class AuditStore {
  readonly entry: Sub<Uint8Array>
  readonly node: Sub<Uint8Array>
  readonly cp: Sub<string>
  readonly ref: Sub<string>
  readonly exp: Sub<string>
  readonly meta: Sub<unknown>

  constructor (db: Root) {
    const view = { valueEncoding: 'view' }
    const utf8 = { valueEncoding: 'utf8' }
    this.entry = db.sublevel<string, Uint8Array>('audit-entry', view)
    this.node = db.sublevel<string, Uint8Array>('audit-node', view)
    this.cp = db.sublevel<string, string>('audit-cp', utf8)
    this.ref = db.sublevel<string, string>('audit-ref', utf8)
    this.exp = db.sublevel<string, string>('audit-exp', utf8)
    this.meta = db.sublevel<string, unknown>('audit-meta', { valueEncoding: 'json' })
    // A sublevel stays closed when its database is closed and opened again (the store reopens
    // LevelDB after a failed write): reopen ours with it. Batches through the database need no
    // open sublevel, reads do.
    // One listener per database, however many views are built over it (each tool that reads
    // the log builds its own; a listener each would pass the emitter's limit), holding the
    // views' sublevels weakly.
    let subs = REOPEN.get(db)
    if (subs === undefined) {
      const set = new Set<WeakRef<Reopenable>>()
      REOPEN.set(db, set)
      db.on('open', () => {
        for (const ref of set) {
          const sub = ref.deref()
          if (sub === undefined) set.delete(ref)
          else if (sub.status === 'closed') sub.open().catch(() => {})
        }
      })
      subs = set
    }
    // Views that are gone leave only dead references: drop them as new ones come.
    for (const ref of subs) if (ref.deref() === undefined) subs.delete(ref)
    for (const sub of [this.entry, this.node, this.cp, this.ref, this.exp, this.meta]) subs.add(new WeakRef(sub))
  }

  /** Number of entries: one past the last index (entries are contiguous from 0). */
  async size (): Promise<number> {
    for await (const key of this.entry.keys({ reverse: true, limit: 1 })) return Number(key) + 1
    return 0
  }

  async nodeKeys (): Promise<NodeKeyRecord[]> {
    return ((await this.meta.get('keys')) as NodeKeyRecord[] | undefined) ?? []
  }

  entryOp (index: number, bytes: Uint8Array): BatchOp {
    return { type: 'put', sublevel: this.entry, key: pad(index), value: bytes }
  }

  nodeOps (nodes: readonly MerkleNode[]): BatchOp[] {
    return nodes.map(n => ({ type: 'put', sublevel: this.node, key: nodeKey(n.level, n.index), value: n.hash }))
  }

  refOp (digest: string, index: number): BatchOp {
    return { type: 'put', sublevel: this.ref, key: digest + SEP + pad(index), value: '' }
  }

  expOp (expires: string, digest: string): BatchOp {
    return { type: 'put', sublevel: this.exp, key: expires + SEP + digest, value: '' }
  }

  expDelOp (expires: string, digest: string): BatchOp {
    return { type: 'del', sublevel: this.exp, key: expires + SEP + digest }
  }

  cpOp (size: number, note: string): BatchOp {
    return { type: 'put', sublevel: this.cp, key: pad(size), value: note }
  }

  keysOp (keys: NodeKeyRecord[]): BatchOp {
    return { type: 'put', sublevel: this.meta, key: 'keys', value: keys }
  }

  /** Leaf indexes that name `digest`, in order. */
  async leavesOf (digest: string): Promise<number[]> {
    const out: number[] = []
    for await (const key of this.ref.keys({ gt: digest + SEP, lt: digest + SEP + '\xff' })) out.push(Number(key.slice(digest.length + 1)))
    return out
  }

  /** The stored checkpoint note of the largest size (or of exactly `size`). */
  async checkpoint (size?: number): Promise<{ size: number, note: string } | undefined> {
    if (size != null) {
      const note = await this.cp.get(pad(size))
      return note == null ? undefined : { size, note }
    }
    for await (const [key, note] of this.cp.iterator({ reverse: true, limit: 1 })) return { size: Number(key), note }
    return undefined
  }

  /** A NodeStore over the stored subtree hashes (batch reads with getMany). */
  nodeStore (): NodeStore {
    return {
      get: async (level, index) => await this.node.get(nodeKey(level, index)),
      getMany: async (refs) => await this.node.getMany(refs.map(r => nodeKey(r.level, r.index)))
    }
  }
}
