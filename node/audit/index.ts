/**
 * The tamper-evident audit log and the offline auditor's toolkit.
 *
 * - `AuditLog` — RFC 9162 Merkle tree over canonical audit entries, appended in the same
 *   atomic write as the events they record (it is the store's CommitSequencer), with signed
 *   C2SP checkpoints issued periodically and on demand, and inclusion / consistency proofs.
 * - `auditEvents` — the event catalogue's factories: what callers pass to
 *   `store.commit(ops, [event])`. Entry encoding: entry.ts and README.md.
 * - `Purger` — retention: deletes expired envelopes, logs the purge.
 * - `verifyDataDir`, `exportBundle`, `verifyBundle`, `proveDigest` — the auditor's tools behind
 *   `liaison audit verify|export|prove`.
 *
 * @example
 * ```ts
 * const audit = await AuditLog.open(store, { signer, logger })     // installs itself on the store
 * trust.hook = auditTrustHook()
 * audit.start()
 * await store.commit(ops, [auditEvents.messageSent(meta, envelope)])
 * const report = await verifyDataDir(dir)                          // offline, node stopped
 * ```
 *
 * @module
 */
import type { BatchOp } from '../store/group-commit.ts'
import { auditEvents } from './events.ts'
import type { TrustChange } from './events.ts'

export { AuditLog, DEFAULT_CHECKPOINT_INTERVAL_MS } from './audit-log.ts'
export type { AuditLogInit } from './audit-log.ts'
export { Purger, DEFAULT_PURGE_INTERVAL_MS, DEFAULT_PURGE_CHUNK } from './purger.ts'
export type { PurgeResult, PurgerInit } from './purger.ts'
export { auditEvents, AUDIT_EVENT_TYPES, EVENT_SCHEMA } from './events.ts'
export type { AuditEvent, AuditEventType, TrustChange } from './events.ts'
export { decodeEntry, encodeEntry, entryDigests } from './entry.ts'
export type { AuditEntry } from './entry.ts'
export { issueCheckpoint, openNodeCheckpoint } from './checkpoints.ts'
export type { NodeCheckpoint } from './checkpoints.ts'
export { proveDigest } from './proof.ts'
export type { DigestProof, LeafProof } from './proof.ts'
export { verifyDataDir } from './verify/verify-data-dir.ts'
export type { VerifyOptions } from './verify/verify-data-dir.ts'
export { formatReport } from './verify/report.ts'
export type { VerifyFailure, VerifyProgress, VerifyReport } from './verify/report.ts'
export { exportBundle } from './bundle/export-bundle.ts'
export type { ExportOptions } from './bundle/export-bundle.ts'
export { verifyBundle } from './bundle/verify-bundle.ts'

/**
 * A TrustList hook (node/trust/trust-list.ts `TrustChangeHook`) that logs every trust-list change as
 * a peer.added / peer.updated / peer.removed leaf in the same write.
 */
export function auditTrustHook (): (change: TrustChange) => Promise<{ ops: BatchOp[], events: unknown[] }> {
  return async (change) => ({ ops: [], events: [auditEvents.trustChanged(change)] })
}
