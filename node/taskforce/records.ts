/**
 * What a node keeps of its task forces: every charter version it has seen, every member
 * signature it holds on each, and the members who declined one. One LevelDB sublevel
 * `taskforce`, written only inside store commits (a version and its audit entry land together,
 * or not at all), and only ever added to — a signature is its own key — so two notices
 * arriving at once cannot overwrite each other's signatures:
 *
 * | key | value |
 * |---|---|
 * | `c!<task force id>!<charter digest>` | `{ taskForce, digest, version, payload (base64), firstSeen }` |
 * | `s!<task force id>!<charter digest>!<signer>` | the signature, base64 |
 * | `d!<task force id>!<charter digest>!<member>` | `{ at, reason? }` |
 *
 * @module
 */
import type { Level } from 'level'
import type { AbstractSublevel } from 'abstract-level'
import { PAYLOAD_TYPES, type Envelope } from '../../protocol/types.ts'
import type { SignedCharter } from '../../protocol/taskforce/index.ts'
import type { BatchOp } from '../store/index.ts'

export interface Decline {
  peerId: string
  /** When this node learnt of it (ms since epoch). */
  at: number
  reason?: string
}

export interface VersionRecord {
  taskForce: string
  digest: string
  version: number
  /** Base64 of the charter payload (the signed bytes). */
  payload: string
  /** When this node first saw the version (ms): the order among competing versions. */
  firstSeen: number
}

/** A stored version with its signatures and declines. */
export interface StoredVersion extends VersionRecord {
  envelope: Envelope
  declines: Decline[]
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Sub = AbstractSublevel<Level<string, unknown>, any, string, any>

const SEP = '!'
const END = '\xff'

export class TaskForceRecords {
  private readonly sub: Sub

  constructor (db: Level<string, unknown>) {
    this.sub = db.sublevel<string, unknown>('taskforce', { valueEncoding: 'json' })
  }

  /** The operations that store `signed` (version record if new, and one key per signature). */
  versionOps (signed: SignedCharter, firstSeen: number, known: boolean): BatchOp[] {
    const id = signed.charter.id
    const ops: BatchOp[] = []
    if (!known) {
      const record: VersionRecord = {
        taskForce: id,
        digest: signed.digest,
        version: signed.charter.version,
        payload: Buffer.from(signed.envelope.payload).toString('base64'),
        firstSeen
      }
      ops.push({ type: 'put', sublevel: this.sub, key: ['c', id, signed.digest].join(SEP), value: record })
    }
    for (const s of signed.envelope.signatures) {
      ops.push({ type: 'put', sublevel: this.sub, key: ['s', id, signed.digest, s.keyid].join(SEP), value: Buffer.from(s.sig).toString('base64') })
    }
    return ops
  }

  declineOp (taskForce: string, digest: string, decline: Decline): BatchOp {
    const value: Omit<Decline, 'peerId'> = { at: decline.at, ...(decline.reason != null ? { reason: decline.reason } : {}) }
    return { type: 'put', sublevel: this.sub, key: ['d', taskForce, digest, decline.peerId].join(SEP), value }
  }

  /** Every version of one task force with its signatures, in the order this node first saw them. */
  async list (taskForce: string): Promise<StoredVersion[]> {
    const versions = new Map<string, StoredVersion>()
    for await (const [, record] of this.sub.iterator({ gt: `c${SEP}${taskForce}${SEP}`, lt: `c${SEP}${taskForce}${SEP}${END}` })) {
      const r = record as VersionRecord
      versions.set(r.digest, {
        ...r,
        envelope: { payloadType: PAYLOAD_TYPES.taskforceCharter, payload: new Uint8Array(Buffer.from(r.payload, 'base64')), signatures: [] },
        declines: []
      })
    }
    for await (const [key, sig] of this.sub.iterator({ gt: `s${SEP}${taskForce}${SEP}`, lt: `s${SEP}${taskForce}${SEP}${END}` })) {
      const [, , digest, keyid] = key.split(SEP)
      versions.get(digest)?.envelope.signatures.push({ keyid, sig: new Uint8Array(Buffer.from(sig as string, 'base64')) })
    }
    for await (const [key, d] of this.sub.iterator({ gt: `d${SEP}${taskForce}${SEP}`, lt: `d${SEP}${taskForce}${SEP}${END}` })) {
      const [, , digest, peerId] = key.split(SEP)
      versions.get(digest)?.declines.push({ peerId, ...(d as Omit<Decline, 'peerId'>) })
    }
    return [...versions.values()].sort((a, b) => a.firstSeen - b.firstSeen || a.version - b.version || (a.digest < b.digest ? -1 : 1))
  }

  /** The ids of every task force this node holds a version of. */
  async ids (): Promise<string[]> {
    const ids = new Set<string>()
    for await (const key of this.sub.keys({ gt: `c${SEP}`, lt: `c${SEP}${END}` })) ids.add(key.split(SEP)[1])
    return [...ids].sort()
  }
}
