/**
 * The answering side's query index (PROTOCOL.md §19.3): reference data, OPRF key and rotation.
 *
 * @module
 */
export { IndexStore, type IndexEntry, type AddResult, type IndexStats } from './index-store.ts'
export { parseCsv } from './csv.ts'
export { decideQuery, parseQuotaFlag, QuotaLedger, DEFAULT_QUERY_MAX, DEFAULT_QUERY_QUOTA_PER_DAY, type QueryGrant, type QueryRefusal } from './policy.ts'
export { queryAuditRecord, type QueryAuditRecord } from './audit-record.ts'
