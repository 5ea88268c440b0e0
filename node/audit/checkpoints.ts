/**
 * The node's signed checkpoints: C2SP tlog-checkpoint bodies (protocol/checkpoint.ts) signed as
 * a C2SP signed note by the node key, plus the node's own tlog-cosignature line to carry the
 * time (protocol/cosignature.ts explains why time is not an extension line):
 *
 * ```
 * liaison.local/12D3KooW…                 origin = key name
 * 1234                                    tree size
 * <base64 RFC 9162 root>
 *
 * — liaison.local/12D3KooW… <base64(keyId₁ ‖ Ed25519 signature over the three lines)>
 * — liaison.local/12D3KooW… <base64(keyId₄ ‖ u64 time ‖ Ed25519 signature over
 *                            "cosignature/v1\ntime <time>\n" ‖ the three lines)>
 * ```
 *
 * Both lines use the origin as key name; their key IDs differ (signature types 0x01 and 0x04),
 * and the signed messages are domain-separated (a note body starts with the origin, a cosigned
 * message with "cosignature/v1"). Witnesses may append their own cosignature lines later;
 * opening a checkpoint skips lines from keys it does not know, as the spec says.
 *
 * @module
 */
import { checkpointOrigin, ed25519NoteKey, formatCheckpoint, noteKeyHash, openCheckpoint, signNote } from '../../protocol/checkpoint.ts'
import type { Checkpoint, NoteKey } from '../../protocol/checkpoint.ts'
import { cosign, cosignatureKeyId, cosignatureNoteKey, cosignatureTime } from '../../protocol/cosignature.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import type { Signer } from '../../protocol/types.ts'

/** A checkpoint as the node signed it, opened. */
export interface NodeCheckpoint {
  checkpoint: Checkpoint
  /** The signed note, exactly as stored. */
  note: string
  /** POSIX seconds from the node's own cosignature. */
  time: number
  /** The node key (peer ID) that signed it. */
  signer: string
  /** Cosignature lines from keys other than the node's (witnesses), not checked here. */
  otherSignatures: number
}

/** Sign a checkpoint for (size, root) at `timeSeconds` with the node key. */
export function issueCheckpoint (signer: Signer, size: number, root: Uint8Array, timeSeconds: number): string {
  const origin = checkpointOrigin(signer.peerId)
  const body = formatCheckpoint({ origin, size, root })
  return signNote(body, origin, signer) + cosign(body, origin, signer, timeSeconds)
}

/** Note keys (signature and time cosignature) for each node key. */
export function nodeNoteKeys (peerIds: readonly string[]): NoteKey[] {
  return peerIds.flatMap(peerId => {
    const origin = checkpointOrigin(peerId)
    const publicKey = publicKeyFromPeerId(peerId)
    return [ed25519NoteKey(origin, publicKey), cosignatureNoteKey(origin, publicKey)]
  })
}

/**
 * Open a checkpoint the node signed with one of `peerIds`: the note signature and the time
 * cosignature must both be there and verify. Throws ProtocolError (BAD_SIGNATURE,
 * UNKNOWN_SIGNER, SIGNER_MISMATCH, SCHEMA_INVALID) otherwise.
 */
export function openNodeCheckpoint (note: string, peerIds: readonly string[], keys: NoteKey[] = nodeNoteKeys(peerIds)): NodeCheckpoint {
  const { checkpoint, verified } = openCheckpoint(note, keys)
  const signer = peerIds.find(p => checkpointOrigin(p) === checkpoint.origin)
  if (signer === undefined) throw new ProtocolError('SIGNER_MISMATCH', `checkpoint origin ${checkpoint.origin} is not this node's`)
  const publicKey = publicKeyFromPeerId(signer)
  const sigId = noteKeyHash(checkpoint.origin, publicKey)
  const cosigId = cosignatureKeyId(checkpoint.origin, publicKey)
  const own = verified.filter(s => s.name === checkpoint.origin)
  if (!own.some(s => s.keyId === sigId)) throw new ProtocolError('UNKNOWN_SIGNER', `checkpoint is not signed by its origin ${checkpoint.origin}`)
  const cosig = own.find(s => s.keyId === cosigId)
  const time = cosig === undefined ? undefined : cosignatureTime(cosig.signature)
  if (time === undefined) throw new ProtocolError('SCHEMA_INVALID', 'checkpoint has no time cosignature by the node')
  const lines = note.slice(note.lastIndexOf('\n\n') + 2).split('\n').filter(l => l !== '').length
  return { checkpoint, note, time, signer, otherSignatures: lines - own.length }
}
