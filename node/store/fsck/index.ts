/**
 * `liaison store fsck`: the raw LevelDB files of a store checked against their formats and
 * CRC-32C checksums — an operator's tool for failing disks and bad copies, not tamper evidence
 * (that is `liaison audit verify`).
 *
 * @module
 */
export { fsckStore, formatFsckReport } from './fsck.ts'
export type { FsckFailure, FsckReport } from './fsck.ts'
export { levelDbFileKind } from './file-check.ts'
export type { LevelDbFileKind } from './file-check.ts'
export { liveFiles } from './manifest.ts'
export type { LiveFiles } from './manifest.ts'
