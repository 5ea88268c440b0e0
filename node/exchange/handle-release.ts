/**
 * Inbound release requests (we are the originator A; the forwarder B asks to pass our message
 * on to C) and release grants/denials (we are B; A answers). Both are stored for the operator;
 * nothing is granted automatically.
 *
 * @module
 */
import { parseReleaseGrant, parseReleaseRequest, type ReleaseGrantV1, type ReleaseRequestV1 } from '../../protocol/release.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import type { MessageMeta, ReleaseRecord } from '../store/index.ts'
import { checkEnvelopeHeader, refuse, type Admission, type Incoming } from './admission.ts'
import { auditEvents } from '../audit/events.ts'

function controlMeta (
  of: MessageMeta,
  incoming: Incoming,
  h: { id: string, from: string, to: string, created: string, expires: string },
  payloadType: string
): MessageMeta {
  return {
    ...of,
    digest: incoming.digest,
    id: h.id,
    payloadType,
    direction: 'in',
    from: h.from,
    to: [h.to],
    created: h.created,
    expires: h.expires,
    storedAt: incoming.nowMs
  }
}

export async function handleReleaseRequest (incoming: Incoming): Promise<Admission> {
  let req: ReleaseRequestV1
  try {
    req = parseReleaseRequest(incoming.env.payload)
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID')
  }
  const header = checkEnvelopeHeader({ ...req, to: [req.to] }, incoming)
  if (header != null) return header
  const sent = await incoming.store.getMeta(req.messageDigest)
  if (sent == null || sent.direction !== 'out' || sent.id !== req.messageId || !sent.to.includes(req.from)) {
    return refuse('FORWARD_NOT_PERMITTED', req.id, 'no such message sent by this node to the requester')
  }
  const record: ReleaseRecord = {
    requestId: req.id,
    direction: 'in',
    status: 'pending',
    messageDigest: req.messageDigest,
    messageId: req.messageId,
    forwarder: req.from,
    originator: incoming.self.peerId,
    recipient: req.recipient,
    reason: req.reason,
    requestDigest: incoming.digest,
    updatedAt: incoming.nowMs
  }
  return {
    ok: true,
    meta: controlMeta(sent, incoming, req, PAYLOAD_TYPES.releaseRequest),
    ops: [incoming.store.releaseOp(record)],
    events: [auditEvents.releaseRequested({ digest: req.messageDigest, requester: req.from, originator: incoming.self.peerId, request: incoming.digest })]
  }
}

export async function handleReleaseGrant (incoming: Incoming): Promise<Admission> {
  let grant: ReleaseGrantV1
  try {
    grant = parseReleaseGrant(incoming.env.payload)
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID')
  }
  const header = checkEnvelopeHeader({ ...grant, to: [grant.to] }, incoming)
  if (header != null) return header
  const received = await incoming.store.getMeta(grant.messageDigest)
  const request = await incoming.store.getRelease(grant.requestId)
  if (
    received == null || received.direction !== 'in' || received.from !== grant.from || grant.forwarder !== incoming.self.peerId ||
    request == null || request.direction !== 'out' || request.messageDigest !== grant.messageDigest || request.recipient !== grant.recipient
  ) {
    return refuse('FORWARD_NOT_PERMITTED', grant.id, 'the grant answers no request of ours')
  }
  const record: ReleaseRecord = { ...request, status: grant.decision, grantDigest: incoming.digest, grantExpires: grant.expires, updatedAt: incoming.nowMs }
  if (grant.reason != null) record.reason = grant.reason
  const ops = [incoming.store.releaseOp(record)]
  if (grant.decision === 'granted') ops.push(incoming.store.grantOp(grant.messageDigest, grant.recipient, incoming.digest))
  const who = { digest: grant.messageDigest, requester: incoming.self.peerId, originator: grant.from }
  const event = grant.decision === 'granted'
    ? auditEvents.releaseGranted({ ...who, grant: incoming.digest })
    : auditEvents.releaseDenied({ ...who, reason: grant.reason ?? 'denied' })
  return { ok: true, meta: controlMeta(received, incoming, grant, PAYLOAD_TYPES.releaseGrant), ops, events: [event] }
}
