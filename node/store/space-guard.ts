/**
 * Free-space guard: writes are refused (STORAGE_FULL) while the file system holding the store
 * has less than a reserve left, so LevelDB never meets ENOSPC in the middle of a log record —
 * a torn record would make its recovery drop later writes — and compactions keep room to run.
 * The check is one statfs, cached briefly; the reserve is max(two LevelDB write buffers — room
 * to flush a full memtable and compact it —, 2 % of the file system).
 *
 * @module
 */
import { statfs } from 'node:fs/promises'
import { NodeError } from '../errors.ts'
import { MIN_RESERVE_BYTES, RESERVE_FRACTION } from '../defaults.ts'
const CACHE_MS = 200

export class SpaceGuard {
  private readonly dir: string
  private checkedAt = 0
  private free = Infinity
  private reserve = MIN_RESERVE_BYTES

  constructor (dir: string) {
    this.dir = dir
  }

  /** Throws NodeError STORAGE_FULL when the free space is below the reserve. */
  async check (now = Date.now()): Promise<void> {
    if (now - this.checkedAt > CACHE_MS) {
      const fs = await statfs(this.dir)
      this.free = fs.bavail * fs.bsize
      this.reserve = Math.max(MIN_RESERVE_BYTES, fs.blocks * fs.bsize * RESERVE_FRACTION)
      this.checkedAt = now
    }
    if (this.free < this.reserve) {
      throw new NodeError(
        'STORAGE_FULL',
        `only ${Math.floor(this.free / 1024)} KiB free under ${this.dir}; writes resume above ${Math.floor(this.reserve / 1024)} KiB`
      )
    }
  }
}
