/**
 * The STIX objects a collection serves, in the order they were added, a page at a time from
 * the object index (object-index.ts): a page costs its own entries (plus the versions of the
 * ids on it, for `match[version]`), never a scan of the inbox. An inbound collection serves
 * the objects of received messages that match its filter (sender, topic, TLP ceiling); an
 * outbound one, the objects of the messages it sent. Each served object is the object as
 * signed by its originator, with the message's TLP 2.0 marking added when it had no TLP
 * marking, and its provenance in the custom property `x_liaison_provenance`:
 *
 * ```json
 * { "sender": "12D3KooW…", "message_id": "019b…", "message_digest": "f3c8…",
 *   "audit_leaf": 1234, "date_added": "2026-01-15T09:30:01.250Z" }
 * ```
 *
 * `date_added` is the object's date added to this collection (indexer.ts), as in the manifest.
 *
 * Where the message is recorded (exchange v2, PROTOCOL.md §22: a receipt is a proof in the
 * receiver's log): inbound, `audit_leaf` is the index of this node's own audit entry for the
 * message (`liaison audit prove MESSAGE_DIGEST` proves it under a checkpoint); outbound,
 * `receipt_digest` is the SHA-256 of the first recipient's receipt evidence as this node keeps
 * it (`liaison message evidence` exports it), once one arrived.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { SEP } from '../audit/audit-store.ts'
import { tlpResolver, withInheritedTlp, type StixObject } from '../../protocol/stix/index.ts'
import type { Store } from '../store/index.ts'
import { admits, selectVersions, type Filter } from './filters.ts'
import { objectsOf } from './indexer.ts'
import { posOf, type IndexEntry, type ObjectIndex } from './object-index.ts'
import { pad } from '../store/index.ts'

export const PROVENANCE_PROPERTY = 'x_liaison_provenance'

export interface Page {
  items: IndexEntry[]
  more: boolean
  /** Entries the filter selects before `next` (only for `match[id]` queries: object, versions). */
  total?: number
}

const posKey = (e: IndexEntry): string => posOf(e.at, e.digest, e.index)

/**
 * One page of a collection: the entries `f` selects after `after` (a position, exclusive),
 * at most `f.limit`, and whether more follow.
 */
export async function selectPage (index: ObjectIndex, collection: string, f: Filter, after: string | undefined): Promise<Page> {
  // added_after is exclusive: every position of a later millisecond.
  const since = f.addedAfter != null ? pad(f.addedAfter) + '!\xff' : undefined
  const start = since == null ? after : after == null ? since : (after > since ? after : since)
  const every = f.versions.includes('all')
  /** Per id, the positions `match[version]` selects. */
  const selected = new Map<string, Set<string>>()
  const chosen = (versions: IndexEntry[]): Set<string> => new Set([...selectVersions(versions.filter(e => admits(e, f)), f)].map(posKey))
  /** Learns what `match[version]` selects for the ids of some admitted entries: an id with one version is its own answer. */
  const learn = async (entries: readonly IndexEntry[]): Promise<void> => {
    const ids = [...new Set(entries.map(e => e.id))].filter(id => !selected.has(id))
    if (ids.length === 0) return
    const counts = await index.counts(collection, ids)
    const single = new Map(entries.map(e => [e.id, e]))
    await Promise.all(ids.map(async id => {
      selected.set(id, (counts.get(id) ?? 0) <= 1 ? chosen([single.get(id) as IndexEntry]) : chosen(await index.versions(collection, id)))
    }))
  }
  const accept = (e: IndexEntry): boolean => admits(e, f) && (every || (selected.get(e.id)?.has(posKey(e)) ?? false))

  if (f.ids != null) {
    const all: IndexEntry[] = []
    for (const id of f.ids) {
      const versions = await index.versions(collection, id)
      selected.set(id, chosen(versions))
      for (const e of versions) if (accept(e)) all.push(e)
    }
    const inRange = all.filter(e => since == null || posKey(e) > since).sort((a, b) => posKey(a) < posKey(b) ? -1 : 1)
    const rest = start == null ? inRange : inRange.filter(e => posKey(e) > start)
    return { items: rest.slice(0, f.limit), more: rest.length > f.limit, total: inRange.length }
  }
  const take = async (type?: string): Promise<IndexEntry[]> => {
    const out: IndexEntry[] = []
    for await (const batch of index.scan(collection, start, type, Math.min(256, f.limit + 1))) {
      const admitted = batch.filter(e => admits(e, f))
      if (!every) await learn(admitted)
      for (const e of admitted) {
        if (!accept(e)) continue
        out.push(e)
        if (out.length > f.limit) return out
      }
    }
    return out
  }
  const found = f.types != null
    ? (await Promise.all([...f.types].map(async t => await take(t)))).flat().sort((a, b) => posKey(a) < posKey(b) ? -1 : 1)
    : await take()
  return { items: found.slice(0, f.limit), more: found.length > f.limit }
}

/** The SHA-256 of the first recipient's receipt evidence for a sent message, once one arrived. */
async function receiptDigest (store: Store, digest: string): Promise<string | undefined> {
  const r = (await store.receiptsFor(digest))[0]
  return r == null ? undefined : createHash('sha256').update(r.envelope).digest('hex')
}

/** The index of this node's first audit entry naming `digest` (its message.received), if any. */
async function auditLeaf (store: Store, digest: string): Promise<number | undefined> {
  const prefix = `${SEP}audit-ref${SEP}${digest}${SEP}`
  for await (const key of store.db.keys({ gte: prefix, lt: prefix + '\xff', limit: 1 })) return Number(key.slice(prefix.length))
  return undefined
}

/** The objects of a page as served: markings inherited, provenance added (one read per message). */
export async function loadObjects (store: Store, _self: string, items: readonly IndexEntry[]): Promise<Map<IndexEntry, StixObject>> {
  const messages = new Map<
    string,
    {
      objects: StixObject[],
      resolve: (ref: string) => ReturnType<ReturnType<typeof tlpResolver>>,
      tlp: Parameters<typeof withInheritedTlp>[1],
      provenance: Record<string, unknown>
    } | undefined
  >()
  // A page's messages are read together: their metadata and envelopes in one read each, their
  // audit leaves (inbound) or receipts (outbound) concurrently.
  const firstAt = new Map<string, number>()
  for (const e of items) if (!firstAt.has(e.digest)) firstAt.set(e.digest, e.at)
  const digests = [...firstAt.keys()]
  const [metas, envelopes] = await Promise.all([store.getMetas(digests), store.getEnvelopes(digests)])
  const refs = await Promise.all(digests.map(async (digest, i) => {
    const meta = metas[i]
    if (meta == null) return {}
    return meta.direction === 'in' ? { leaf: await auditLeaf(store, digest) } : { receipt: await receiptDigest(store, digest) }
  }))
  for (const [i, digest] of digests.entries()) {
    const meta = metas[i]
    const content = meta != null ? objectsOf(envelopes[i], digest) : undefined
    if (meta == null || content == null) {
      messages.set(digest, undefined)
      continue
    }
    const { leaf, receipt } = refs[i] as { leaf?: number, receipt?: string }
    messages.set(digest, {
      objects: content.objects,
      resolve: tlpResolver(content.objects),
      tlp: content.msg.tlp,
      provenance: {
        sender: meta.from,
        message_id: meta.id,
        message_digest: digest,
        ...(leaf != null ? { audit_leaf: leaf } : {}),
        ...(receipt != null ? { receipt_digest: receipt } : {}),
        date_added: new Date(firstAt.get(digest) ?? meta.storedAt).toISOString()
      }
    })
  }
  const out = new Map<IndexEntry, StixObject>()
  for (const e of items) {
    const m = messages.get(e.digest)
    const o = m?.objects[e.index]
    if (m == null || o == null) continue
    out.set(e, { ...withInheritedTlp(o, m.tlp, m.resolve), [PROVENANCE_PROPERTY]: m.provenance })
  }
  return out
}
