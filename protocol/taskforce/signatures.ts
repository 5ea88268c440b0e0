/**
 * A charter envelope and its signatures (PROTOCOL.md §21.2). Every signature names its signer
 * in `keyid` and must verify under the key inlined in that peer ID (a peer ID is an Ed25519
 * key, §2), so a charter is checked with nothing but itself — no trust list, no third party.
 * A signature that does not verify, a signer who may not sign this version, or a signer who
 * signs twice makes the whole envelope BAD_SIGNATURE: a charter is never "partly forged".
 *
 * @module
 */
import { decodeEnvelope, encodeEnvelope } from '../envelope.ts'
import { paeDigest } from '../digest.ts'
import { opensslVerify } from '../ed25519.ts'
import { ProtocolError } from '../errors.ts'
import { verifyKeyFromPeerId } from '../keys.ts'
import { isPeerId } from '../peer-id.ts'
import { pae } from '../pae.ts'
import { PAYLOAD_TYPES, type Envelope, type Signer } from '../types.ts'
import { MAX_CHARTER_BYTES, MAX_TASKFORCE_MEMBERS, memberIds, parseCharter, type CharterV1 } from './charter.ts'

/** A charter envelope opened and checked: every signer listed, sorted. */
export interface SignedCharter {
  envelope: Envelope
  charter: CharterV1
  /** The charter's identity: SHA-256 of PAE (§8), the same whatever signatures it carries. */
  digest: string
  /** Peer IDs whose signatures verify, sorted. */
  signers: string[]
}

/** Largest encoded charter envelope: the payload in base64 and one signature per possible signer. */
export const MAX_CHARTER_ENVELOPE_BYTES = Math.ceil(MAX_CHARTER_BYTES * 4 / 3) + 2 * MAX_TASKFORCE_MEMBERS * 200 + 256

/**
 * Opens a charter envelope from its bytes. `previousMembers` are the members of the version
 * before (who sign an amendment alongside the new version's members); empty for version 1.
 * Throws ProtocolError: BAD_ENVELOPE, BAD_PAYLOAD_TYPE, TOO_LARGE, SCHEMA_INVALID, BAD_SIGNATURE.
 */
export function openCharter (bytes: Uint8Array, previousMembers: readonly string[] = []): SignedCharter {
  const envelope = decodeEnvelope(bytes, MAX_CHARTER_ENVELOPE_BYTES, 2 * MAX_TASKFORCE_MEMBERS)
  return checkCharterEnvelope(envelope, previousMembers)
}

/** `openCharter` for an envelope already decoded. */
export function checkCharterEnvelope (envelope: Envelope, previousMembers: readonly string[] = []): SignedCharter {
  if (envelope.payloadType !== PAYLOAD_TYPES.taskforceCharter) {
    throw new ProtocolError('BAD_PAYLOAD_TYPE', `payload type ${envelope.payloadType} is not a task force charter`)
  }
  const charter = parseCharter(envelope.payload)
  const allowed = new Set([...memberIds(charter), ...previousMembers])
  const bytes = pae(envelope.payloadType, envelope.payload)
  const signers = new Set<string>()
  for (const [i, { keyid, sig }] of envelope.signatures.entries()) {
    if (!isPeerId(keyid) || !allowed.has(keyid)) {
      throw new ProtocolError('BAD_SIGNATURE', `signatures[${i}] is by ${keyid}, who is not a member of this version or the one before`)
    }
    if (signers.has(keyid)) throw new ProtocolError('BAD_SIGNATURE', `signatures[${i}]: ${keyid} signs twice`)
    if (!opensslVerify(verifyKeyFromPeerId(keyid), bytes, sig)) {
      throw new ProtocolError('BAD_SIGNATURE', `signatures[${i}] does not verify under the key of ${keyid}`)
    }
    signers.add(keyid)
  }
  return { envelope, charter, digest: paeDigest(bytes), signers: [...signers].sort() }
}

/** A new, unsigned-by-anyone-else charter envelope signed by `signer` alone. */
export function signCharter (charterPayload: Uint8Array, signer: Signer): Envelope {
  const payloadType = PAYLOAD_TYPES.taskforceCharter
  return { payloadType, payload: charterPayload, signatures: [{ keyid: signer.peerId, sig: signer.sign(pae(payloadType, charterPayload)) }] }
}

/** `signed` with `signer`'s signature added (unchanged if it already bears one). */
export function addSignature (signed: SignedCharter, signer: Signer): Envelope {
  if (signed.signers.includes(signer.peerId)) return signed.envelope
  const sig = signer.sign(pae(signed.envelope.payloadType, signed.envelope.payload))
  return { ...signed.envelope, signatures: [...signed.envelope.signatures, { keyid: signer.peerId, sig }] }
}

/**
 * The union of two checked envelopes of the same charter (same digest): every signer of
 * either once, in the order first seen. Throws TypeError for two different charters.
 */
export function mergeSignatures (a: SignedCharter, b: SignedCharter): Envelope {
  if (a.digest !== b.digest) throw new TypeError('cannot merge the signatures of two different charters')
  const seen = new Set(a.envelope.signatures.map(s => s.keyid))
  const extra = b.envelope.signatures.filter(s => !seen.has(s.keyid))
  return extra.length === 0 ? a.envelope : { ...a.envelope, signatures: [...a.envelope.signatures, ...extra] }
}

export const encodeCharterEnvelope = (env: Envelope): Uint8Array => encodeEnvelope(env)
