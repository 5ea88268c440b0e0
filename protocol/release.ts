/**
 * Release request and release grant v1: the originator-consent workflow for forwarding.
 *
 * Request (`application/vnd.liaison.release-request.v1+json`), from the forwarder B to the
 * originator A: { v, id, from: B, to: A, created, expires, messageDigest, messageId,
 * recipient: C, reason (1..1000 characters) }.
 *
 * Grant (`application/vnd.liaison.release-grant.v1+json`), from A to B, signed by A: { v, id,
 * requestId, from: A, to: B, created, expires (until when the grant may be used),
 * messageDigest, messageId, forwarder: B, recipient: C, decision: granted | denied,
 * reason? (1..1000) }. A `granted` grant travels inside B's forward so that C can check it.
 *
 * @module
 */
import { compactJson } from './json.ts'
import { digestField, invalid, parsePayload, peerIdField, stringField, timeField, uuidField, versionedObject } from './schema-kit.ts'

export interface ReleaseRequestV1 {
  v: 1
  id: string
  from: string
  to: string
  created: string
  expires: string
  messageDigest: string
  messageId: string
  recipient: string
  reason: string
}

export type ReleaseDecision = 'granted' | 'denied'

export interface ReleaseGrantV1 {
  v: 1
  id: string
  requestId: string
  from: string
  to: string
  created: string
  expires: string
  messageDigest: string
  messageId: string
  forwarder: string
  recipient: string
  decision: ReleaseDecision
  reason?: string
}

const REQUEST_KEYS: ReadonlySet<string> = new Set(['v', 'id', 'from', 'to', 'created', 'expires', 'messageDigest', 'messageId', 'recipient', 'reason'])
const GRANT_KEYS: ReadonlySet<string> = new Set([
  'v',
  'id',
  'requestId',
  'from',
  'to',
  'created',
  'expires',
  'messageDigest',
  'messageId',
  'forwarder',
  'recipient',
  'decision',
  'reason'
])

export function validateReleaseRequest (value: unknown): ReleaseRequestV1 {
  const o = versionedObject(value, REQUEST_KEYS, 'release request')
  const r: ReleaseRequestV1 = {
    v: 1,
    id: uuidField(o, 'id'),
    from: peerIdField(o, 'from'),
    to: peerIdField(o, 'to'),
    created: timeField(o, 'created'),
    expires: timeField(o, 'expires'),
    messageDigest: digestField(o, 'messageDigest'),
    messageId: uuidField(o, 'messageId'),
    recipient: peerIdField(o, 'recipient'),
    reason: stringField(o, 'reason', 1000)
  }
  if (Date.parse(r.expires) <= Date.parse(r.created)) invalid('expires must be after created')
  return r
}

export function validateReleaseGrant (value: unknown): ReleaseGrantV1 {
  const o = versionedObject(value, GRANT_KEYS, 'release grant')
  const decision = o.decision
  if (decision !== 'granted' && decision !== 'denied') invalid('decision must be granted or denied')
  const g: ReleaseGrantV1 = {
    v: 1,
    id: uuidField(o, 'id'),
    requestId: uuidField(o, 'requestId'),
    from: peerIdField(o, 'from'),
    to: peerIdField(o, 'to'),
    created: timeField(o, 'created'),
    expires: timeField(o, 'expires'),
    messageDigest: digestField(o, 'messageDigest'),
    messageId: uuidField(o, 'messageId'),
    forwarder: peerIdField(o, 'forwarder'),
    recipient: peerIdField(o, 'recipient'),
    decision
  }
  if (o.reason !== undefined) g.reason = stringField(o, 'reason', 1000)
  if (Date.parse(g.expires) <= Date.parse(g.created)) invalid('expires must be after created')
  return g
}

export const parseReleaseRequest = (payload: Uint8Array): ReleaseRequestV1 => validateReleaseRequest(parsePayload(payload, 'release request'))
export const parseReleaseGrant = (payload: Uint8Array): ReleaseGrantV1 => validateReleaseGrant(parsePayload(payload, 'release grant'))

const encoder = new TextEncoder()
export const encodeReleaseRequest = (r: ReleaseRequestV1): Uint8Array => encoder.encode(compactJson(validateReleaseRequest(r)))
export const encodeReleaseGrant = (g: ReleaseGrantV1): Uint8Array => encoder.encode(compactJson(validateReleaseGrant(g)))
