/**
 * The answering side's query index (PROTOCOL.md §19.3): reference data, OPRF key and rotation,
 * the worker pool that evaluates large builds on every core, the change log behind incremental
 * hit-filter sync (§19.8).
 *
 * @module
 */
export { IndexStore, MAX_REFUSALS_LISTED, type IndexEntry, type AddResult, type IndexStats, type BuildOptions, type FilterSync } from './index-store.ts'
export { OprfPool } from './oprf-pool.ts'
export { evaluateBatch, type EvaluateJob, type EvaluateResult } from './evaluate-batch.ts'
export { parseCsv, openCsv, type CsvRow } from './csv.ts'
export { decideQuery, parseQuotaFlag, QuotaLedger, type QueryGrant, type QueryRefusal } from './policy.ts'
export { DEFAULT_QUERY_MAX, DEFAULT_QUERY_QUOTA_PER_DAY } from '../defaults.ts'
export { queryAuditRecord, type QueryAuditRecord } from './audit-record.ts'
export { rotateOprfKey, type OprfRotation, type OprfRotationReason } from './rotation.ts'
