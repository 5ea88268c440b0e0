/**
 * Inbound forward v1 (we are C; the authenticated remote is the forwarder B). Both signatures
 * are checked: B's over the forward (by the receiver, before this handler) and the
 * originator A's over the original envelope, with A's key from our own trust list. The
 * original must have been addressed to B, the third-party rule must hold (a grant signed by A
 * naming this message, B and us when the marking requires consent; never for RED), and our
 * inbound policy applies to the original as if A had sent it directly, and to B as carrier.
 *
 * @module
 */
import { decodeEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { envelopeDigest } from '../../protocol/digest.ts'
import { parseForward, type ForwardV1 } from '../../protocol/forward.ts'
import { parseMessage } from '../../protocol/message.ts'
import { parseReleaseGrant } from '../../protocol/release.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES, type MessageV1 } from '../../protocol/types.ts'
import { decide } from '../policy/index.ts'
import { forwardRule } from './rules.ts'
import { metaOf } from '../store/index.ts'
import { forwardRuleFor } from '../taskforce/forwarding.ts'
import { TaskForceRecords } from '../taskforce/records.ts'
import { checkEnvelopeHeader, refuse, type Admission, type Incoming } from '../exchange/admission.ts'

export async function handleForward (incoming: Incoming): Promise<Admission> {
  let fwd: ForwardV1
  try {
    fwd = parseForward(incoming.env.payload)
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID')
  }
  const header = checkEnvelopeHeader(fwd, incoming)
  if (header != null) return header

  // The original: A's envelope, byte for byte, verified with A's key from OUR trust list.
  let original: MessageV1
  let originalDigest: string
  try {
    const env = decodeEnvelope(fwd.original)
    if (env.payloadType !== PAYLOAD_TYPES.message) return refuse('BAD_PAYLOAD_TYPE', fwd.id, 'the forwarded envelope is not a message')
    original = parseMessage(env.payload)
    const originatorKey = incoming.trust.key(original.from)
    // Not UNKNOWN_SIGNER: the forwarder is known; the missing one is the originator, whom the
    // receiver must add itself (a forwarder cannot vouch for another agency's key).
    if (originatorKey == null) return refuse('UNKNOWN_ORIGINATOR', fwd.id, `originator ${original.from} is not on the trust list`)
    if (!verifyEnvelope(env, originatorKey)) return refuse('BAD_SIGNATURE', fwd.id, 'the original is not signed by its originator')
    originalDigest = envelopeDigest(env)
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'BAD_ENVELOPE', fwd.id, 'the forwarded envelope is malformed')
  }
  if (!original.to.includes(fwd.from)) return refuse('FORWARD_NOT_PERMITTED', fwd.id, 'the original was not addressed to the forwarder')
  if (Date.parse(original.expires) <= incoming.nowMs) return refuse('EXPIRED', fwd.id, 'the original has expired')

  // Between members of a task force in effect here, the task force's rule (PROTOCOL.md §21.6).
  const rule = original.taskForce != null
    ? await forwardRuleFor(new TaskForceRecords(incoming.store.db), incoming.self.peerId, original, fwd.from, incoming.self.peerId, incoming.nowMs)
    : forwardRule(original)
  if (rule === 'never') return refuse('FORWARD_NOT_PERMITTED', fwd.id, 'TLP:RED is never forwardable')
  if (rule === 'grant-required') {
    const problem = checkGrant(fwd, original, originalDigest, incoming)
    if (problem != null) return refuse('FORWARD_NOT_PERMITTED', fwd.id, problem)
  }

  // Our inbound policy: for the originator's message as if sent directly, and for the carrier.
  const asOriginal = decide(incoming.policy, incoming.trust.get(original.from), original, 'in', incoming.nowMs)
  if (asOriginal.decision === 'reject') return refuse(asOriginal.reason, fwd.id, `originator: ${asOriginal.detail}`)
  const asCarrier = decide(incoming.policy, incoming.trust.get(fwd.from), { ...original, legalBasis: fwd.legalBasis }, 'in', incoming.nowMs)
  if (asCarrier.decision === 'reject') return refuse(asCarrier.reason, fwd.id, `forwarder: ${asCarrier.detail}`)

  const meta = metaOf(original, incoming.digest, 'in', incoming.nowMs)
  meta.id = fwd.id
  meta.from = fwd.from
  meta.to = fwd.to
  meta.payloadType = PAYLOAD_TYPES.forward
  meta.legalBasis = fwd.legalBasis
  meta.created = fwd.created
  meta.expires = Date.parse(fwd.expires) < Date.parse(original.expires) ? fwd.expires : original.expires
  meta.original = { digest: originalDigest, id: original.id, from: original.from }
  return { ok: true, meta, ops: [], events: [] }
}

/** Why the attached grant does not authorise this forward (undefined: it does). */
function checkGrant (fwd: ForwardV1, original: MessageV1, originalDigest: string, incoming: Incoming): string | undefined {
  if (fwd.grant == null) {
    return `TLP:${original.tlp}${original.handling.length > 0 ? ' / ' + original.handling.join(',') : ''} needs the originator's release grant`
  }
  try {
    const env = decodeEnvelope(fwd.grant)
    if (env.payloadType !== PAYLOAD_TYPES.releaseGrant) return 'the attached grant is not a release grant'
    const originatorKey = incoming.trust.key(original.from)
    if (originatorKey == null || !verifyEnvelope(env, originatorKey)) return 'the grant is not signed by the originator'
    const grant = parseReleaseGrant(env.payload)
    if (grant.decision !== 'granted') return 'the originator denied the release'
    if (grant.from !== original.from) return 'the grant is not from the originator'
    if (grant.messageDigest !== originalDigest) return 'the grant names another message'
    if (grant.forwarder !== fwd.from) return 'the grant names another forwarder'
    if (grant.recipient !== incoming.self.peerId) return 'the grant names another recipient'
    if (Date.parse(grant.expires) <= incoming.nowMs) return 'the grant has expired'
    return undefined
  } catch {
    return 'the attached grant is malformed'
  }
}
