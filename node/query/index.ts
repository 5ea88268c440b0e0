/**
 * The answering side's query index (PROTOCOL.md §19.3): reference data, OPRF key and rotation.
 *
 * @module
 */
export { IndexStore, type IndexEntry, type AddResult, type IndexStats } from './index-store.ts'
export { parseCsv } from './csv.ts'
