/**
 * OPRF key rotation with its audit entry (PROTOCOL.md §19.2), for every path that rotates:
 * the running node's schedule, `liaison index rotate-key`, and an identity rotation
 * (`liaison keys rotate`), running or stopped. The index is re-keyed on the worker pool.
 *
 * @module
 */
import { auditEvents } from '../audit/events.ts'
import type { Store } from '../store/index.ts'
import type { IndexStore } from './index-store.ts'

/** Why the key was rotated, as audited. */
export type OprfRotationReason = 'schedule' | 'operator' | 'identity rotation'

/** What a rotation did. */
export interface OprfRotation {
  readonly epoch: number
  readonly keyId: string
  readonly previousKeyId: string
  readonly records: number
}

/** Rotates `index`'s OPRF key, re-keys it, and audits `query.key-rotated` in `store`. */
export async function rotateOprfKey (index: IndexStore, store: Store, reason: OprfRotationReason): Promise<OprfRotation> {
  const previousKeyId = index.publicKey().keyId
  const r = await index.rotateKey()
  const out = { epoch: r.epoch, keyId: r.keyId, previousKeyId, records: r.records }
  await store.commit([], [auditEvents.queryKeyRotated({ ...out, reason })])
  return out
}
