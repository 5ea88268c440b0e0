/**
 * The witnesses' cosignatures on a checkpoint the node signed: every signature line of the note
 * other than the node's own two. A Liaison witness signs as `liaison.local/<its peer ID>`
 * (node/witness/witness.ts), so its public key is in its name; each such line must be a
 * C2SP tlog-cosignature/v1 that verifies for the checkpoint body. Lines under other names are
 * counted, not judged (C2SP: a verifier skips signatures from keys it does not know).
 *
 * `audit verify --thorough` runs this on every checkpoint of a data directory or a bundle: a
 * forged line would claim that an agency vouched for a tree head it never saw.
 *
 * @module
 */
import { LIAISON_ORIGIN_PREFIX as PREFIX, checkpointOrigin, parseSignatureLine } from '../../../protocol/checkpoint.ts'
import { verifyCosignature } from '../../../protocol/cosignature.ts'
import { isPeerId, publicKeyFromPeerId } from '../../../protocol/peer-id.ts'

export interface WitnessCheck {
  /** Peer IDs of the witnesses whose cosignature verified. */
  verified: string[]
  /** Lines that claim a Liaison witness and do not verify. */
  failed: Array<{ witness: string, problem: string }>
  /** Lines under names that are not Liaison witnesses (not judged). */
  unknown: number
}

/** Check the witness lines of `note` (a node checkpoint signed by one of `nodeKeys`). */
export function checkWitnessCosignatures (note: string, nodeKeys: readonly string[]): WitnessCheck {
  const split = note.lastIndexOf('\n\n')
  const body = note.slice(0, split + 1)
  const own = new Set(nodeKeys.map(k => checkpointOrigin(k)))
  const out: WitnessCheck = { verified: [], failed: [], unknown: 0 }
  for (const line of note.slice(split + 2).split('\n')) {
    if (line === '') continue
    const parsed = parseSignatureLine(line)
    if (parsed === undefined) {
      out.failed.push({ witness: '(unreadable)', problem: 'is not a signature line' })
      continue
    }
    if (own.has(parsed.name)) continue
    const peerId = parsed.name.startsWith(PREFIX) ? parsed.name.slice(PREFIX.length) : ''
    if (!isPeerId(peerId)) {
      out.unknown++
      continue
    }
    const check = verifyCosignature(line, body, parsed.name, publicKeyFromPeerId(peerId))
    if (check.ok) out.verified.push(peerId)
    else out.failed.push({ witness: peerId, problem: 'its cosignature does not verify for this checkpoint' })
  }
  return out
}

/** The report note for `count` verified cosignatures over `checkpoints` checkpoints. */
export function witnessNote (count: number, witnesses: ReadonlySet<string>, checkpoints: number): string {
  return `${count} witness cosignature${count === 1 ? '' : 's'} verified on ${checkpoints} checkpoint${checkpoints === 1 ? '' : 's'}` +
    (witnesses.size > 0 ? ` (witnesses: ${[...witnesses].join(', ')})` : '')
}
