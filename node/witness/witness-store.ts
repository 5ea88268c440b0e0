/**
 * What a node keeps as a witness of its peers' logs: the latest checkpoint each peer showed
 * it (after checking consistency with the one before), and every inconsistency alert with
 * both checkpoints as evidence.
 *
 * @module
 */
import type { Level } from 'level'
import type { AbstractSublevel } from 'abstract-level'
import type { BatchOp } from '../store/index.ts'

export interface WitnessedCheckpoint {
  /** The peer (log origin) whose checkpoint this is. */
  peerId: string
  size: number
  /** Base64 root hash. */
  root: string
  /** The signed note as the peer presented it. */
  note: string
  /** The peer's own checkpoint time (POSIX seconds). */
  time: number
  /** When we cosigned it (ms since epoch); for one taken from a batch receipt, when we recorded it. */
  cosignedAt: number
  /** `receipt`: taken from a batch receipt (PROTOCOL.md §22), not presented for cosigning. */
  via?: 'receipt'
}

export interface WitnessAlert {
  seq: number
  peerId: string
  at: number
  /**
   * FORK (same size, other root, or a failed consistency proof) or ROLLBACK (smaller tree), seen
   * by this witness alone; SPLIT_VIEW: the peer showed another witness (`reportedBy`) a history
   * inconsistent with the one it showed us (gossip.ts).
   */
  reason: 'FORK' | 'ROLLBACK' | 'SPLIT_VIEW'
  detail: string
  /** The checkpoint we held, and the one presented: the evidence. */
  previous: string
  presented: string
  /** SPLIT_VIEW only: the witness whose cosigned checkpoint `presented` is. */
  reportedBy?: string
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sub<V> = AbstractSublevel<Level<string, unknown>, any, string, V>

export class WitnessStore {
  readonly seen: Sub<WitnessedCheckpoint>
  readonly alerts: Sub<WitnessAlert>

  constructor (db: Level<string, unknown>) {
    this.seen = db.sublevel<string, WitnessedCheckpoint>('witness-seen', { valueEncoding: 'json' })
    this.alerts = db.sublevel<string, WitnessAlert>('witness-alert', { valueEncoding: 'json' })
  }

  async latest (peerId: string): Promise<WitnessedCheckpoint | undefined> {
    return await this.seen.get(peerId)
  }

  seenOp (record: WitnessedCheckpoint): BatchOp {
    return { type: 'put', sublevel: this.seen, key: record.peerId, value: record }
  }

  alertOp (alert: WitnessAlert): BatchOp {
    return { type: 'put', sublevel: this.alerts, key: String(alert.seq).padStart(16, '0'), value: alert }
  }

  async listSeen (): Promise<WitnessedCheckpoint[]> {
    const out: WitnessedCheckpoint[] = []
    for await (const v of this.seen.values()) out.push(v)
    return out
  }

  async listAlerts (): Promise<WitnessAlert[]> {
    const out: WitnessAlert[] = []
    for await (const v of this.alerts.values()) out.push(v)
    return out
  }
}
