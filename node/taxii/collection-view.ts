/**
 * The STIX objects a collection serves, in the order they were added. An inbound collection
 * serves the objects of received messages that match its filter (sender, topic, TLP ceiling);
 * an outbound one, the objects of the messages it sent. Each served object is the object as
 * signed by its originator, with the message's TLP 2.0 marking added when it had no TLP
 * marking, and its provenance in the custom property `x_liaison_provenance`:
 *
 * ```json
 * { "sender": "12D3KooW…", "message_id": "019b…", "message_digest": "f3c8…",
 *   "receipt_digest": "a1b2…", "date_added": "2026-01-15T09:30:01.250Z" }
 * ```
 *
 * `receipt_digest` is the digest of the receiving node's signed receipt for the message (inbound),
 * or of the first recipient's receipt once one arrived (outbound).
 *
 * @module
 */
import { decodeEnvelope } from '../../protocol/envelope.ts'
import { paeDigest } from '../../protocol/digest.ts'
import { pae } from '../../protocol/envelope.ts'
import { isStixBundle, tlpResolver, withInheritedTlp, type StixObject } from '../../protocol/stix/index.ts'
import { TLP_LEVELS, type MessageV1, type Tlp } from '../../protocol/types.ts'
import type { Store } from '../store/store.ts'
import type { MessageMeta } from '../store/records.ts'
import type { TaxiiCollection } from './records.ts'
import type { TaxiiStore } from './taxii-store.ts'

export const PROVENANCE_PROPERTY = 'x_liaison_provenance'

export interface CollectionEntry {
  object: StixObject
  id: string
  type: string
  version: string
  specVersion: string
  /** Date added (ms): when this node stored the message. */
  at: number
  digest: string
  index: number
}

const rank = (t: Tlp): number => TLP_LEVELS.indexOf(t)

/** The version of an object (TAXII 2.1 §3.4.1): `modified`, else `created`, else date added. */
function versionOf (o: StixObject, at: number): string {
  if (typeof o.modified === 'string') return o.modified
  if (typeof o.created === 'string') return o.created
  return new Date(at).toISOString()
}

async function receiptDigest (store: Store, digest: string, by: string | undefined): Promise<string | undefined> {
  const receipts = await store.receiptsFor(digest)
  const r = by != null ? receipts.find(x => x.by === by) : receipts[0]
  if (r == null) return undefined
  const env = decodeEnvelope(r.envelope)
  return paeDigest(pae(env.payloadType, env.payload))
}

export async function collectionEntries (store: Store, taxii: TaxiiStore, collection: TaxiiCollection, self: string, sinceMs?: number): Promise<CollectionEntry[]> {
  const metas: MessageMeta[] = []
  if (collection.direction === 'inbound') {
    const f = collection.inbound ?? {}
    for (const meta of await store.listMessages('in', sinceMs != null ? { since: sinceMs } : {})) {
      if (meta.payloadType != null) continue
      if (f.from != null && meta.from !== f.from) continue
      if (f.topic != null && meta.topic !== f.topic) continue
      if (f.maxTlp != null && rank(meta.tlp) > rank(f.maxTlp)) continue
      metas.push(meta)
    }
  } else {
    for (const { digest } of await taxii.sentDigests(collection.id)) {
      const meta = await store.getMeta(digest)
      if (meta != null) metas.push(meta)
    }
  }
  const deleted = await taxii.deletedIn(collection.id)
  const out: CollectionEntry[] = []
  for (const meta of metas) {
    const bytes = await store.getEnvelope(meta.digest)
    if (bytes == null) continue
    const msg = JSON.parse(Buffer.from(decodeEnvelope(bytes).payload).toString('utf8')) as MessageV1
    if (!isStixBundle(msg.body)) continue
    const objects = (msg.body.objects ?? []) as StixObject[]
    const resolve = tlpResolver(objects)
    const receipt = await receiptDigest(store, meta.digest, meta.direction === 'in' ? self : undefined)
    const provenance = {
      sender: meta.from,
      message_id: meta.id,
      message_digest: meta.digest,
      ...(receipt != null ? { receipt_digest: receipt } : {}),
      date_added: new Date(meta.storedAt).toISOString()
    }
    objects.forEach((o, index) => {
      const id = String(o.id)
      if (deleted.has(id)) return
      out.push({
        object: { ...withInheritedTlp(o, msg.tlp, resolve), [PROVENANCE_PROPERTY]: provenance },
        id,
        type: String(o.type),
        version: versionOf(o, meta.storedAt),
        specVersion: typeof o.spec_version === 'string' ? o.spec_version : '2.1',
        at: meta.storedAt,
        digest: meta.digest,
        index
      })
    })
  }
  return out
}
