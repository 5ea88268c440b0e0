/**
 * The node's durable store: one LevelDB database behind a narrow interface.
 *
 * - store.ts — `Store.open(path)`: messages, envelopes, deliveries, trust records, releases,
 *   rotations; every write one audited, fsync'd batch (`commit`).
 * - group-commit.ts — concurrent writers share one fsync'd batch (`BatchOp`).
 * - records.ts — what the store keeps, as plain JSON-able records.
 * - message-meta.ts — a message's index record (`metaOf`).
 * - seen-filter.ts — the replay check's Bloom filter; space-guard.ts — STORAGE_FULL.
 *
 * @example
 * ```ts
 * const store = await Store.open(paths.store)
 * const inbox = await store.listMessages('in', { limit: 10 })
 * await store.close()
 * ```
 *
 * @module
 */
export { pad, Store, type InboxQuery, type StoreInit } from './store.ts'
export { GroupCommit, type BatchOp, type BatchTarget, type CommitSequencer, type GroupCommitInit } from './group-commit.ts'
export type {
  Agreement,
  DeliveryRecord,
  DeliveryStatus,
  Direction,
  KeyHistoryEntry,
  MessageMeta,
  OwnRotation,
  PeerRecord,
  PeerRotation,
  PeerStatus,
  ReleaseRecord,
  ReleaseStatus
} from './records.ts'
export { ANY_TOPIC } from './records.ts'
export { metaOf } from './message-meta.ts'
export { SeenFilter } from './seen-filter.ts'
export { SpaceGuard } from './space-guard.ts'
