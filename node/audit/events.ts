/**
 * The audit event catalogue: every security-relevant thing the node does, as data. An event is
 * what a caller hands to `store.commit(ops, [event])`; the audit log stamps it with the time it
 * was sealed and appends it as one leaf (entry.ts gives the byte encoding).
 *
 * Build events with the `auditEvents` factories: they validate every field (a bad field throws
 * TypeError naming it, before anything is written) and compute what must be computed from bytes
 * (the SHA-256 of an envelope exactly as stored), so the log can later be checked against the
 * store byte for byte.
 *
 * | type               | fields (in entry order)                                                        |
 * |--------------------|--------------------------------------------------------------------------------|
 * | message.sent       | digest, payloadType, id, kind, from, to, created, expires, tlp, handling, topic, legalBasis, envelopeSha256 |
 * | message.received   | same as message.sent                                                           |
 * | message.rejected   | from, reason, digest (or null), messageId (or null)                            |
 * | receipt.stored     | for, by, status, reason (or null), envelopeSha256, sentAt (or null; added later) |
 * | peer.added         | peerId, action, after                                                          |
 * | peer.updated       | peerId, action, before, after                                                  |
 * | peer.removed       | peerId, action, before                                                         |
 * | policy.changed     | before, after                                                                  |
 * | key.rotated        | subject (self or peer), oldPeerId, newPeerId, statement (digest or null)       |
 * | purge              | digests                                                                        |
 * | release.requested  | digest, requester, originator, request (digest or null)                        |
 * | release.granted    | digest, requester, originator, grant (digest or null)                          |
 * | release.denied     | digest, requester, originator, reason                                          |
 * | message.forwarded  | digest, to, forward (digest or null), grant (digest or null)                   |
 * | witness.alert      | witness, origin, reason, detail                                                |
 * | message.replied    | digest (of the reply), inReplyTo (the id it answers)                           |
 * | message.rated      | digest (rated message), rater, originator, rating, feedback (digest)           |
 * | query              | role, queryId, queryDigest, peer, selectorType, count, legalBasis, purpose, hits, refused, keyId (PROTOCOL.md §19; never a selector) |
 * | query.key-rotated  | epoch, keyId, previousKeyId, records, reason (PROTOCOL.md §19.2)                |
 * | taskforce.charter  | taskForce, version, charter (digest), previous (digest or null), action, by, signers (PROTOCOL.md §21) |
 * | taskforce.message  | digest (of the message), taskForce, charter (digest of the version it was sent under), direction, peers |
 * | query.key-notice   | role (announced or accepted), peer, previousKeyId, keyId, epoch, notice (digest) (PROTOCOL.md §19.9) |
 *
 * A field added to a type after entries of it were first written is listed in ADDED_FIELDS: it
 * comes last in the type's schema, an entry sealed before it existed ends before it (and stays
 * valid), an entry written since always has it (`null` where unknown).
 *
 * Checkpoints are not leaves: a checkpoint commits to the log, it is not an event in it (they are
 * kept beside it, see audit-store.ts).
 *
 * @example
 * ```ts
 * await store.commit([...store.messageOps(meta, frame), store.receiptOp(digest, me, receipt)], [
 *   auditEvents.messageReceived(meta, frame),
 *   auditEvents.receiptStored({ for: digest, by: me, receipt })
 * ])
 * ```
 *
 * @module
 */
import { hash } from 'node:crypto'
import { decodeEnvelope } from '../../protocol/envelope.ts'
import { isReasonCode } from '../../protocol/errors.ts'
import { jsonDataProblem } from '../../protocol/json.ts'
import { isPeerId } from '../../protocol/peer-id.ts'
import { parseReceipt } from '../../protocol/receipt.ts'
import { isReceiptEvidence, parseReceiptEvidence } from '../../protocol/receipt-evidence.ts'
import { formatRfc3339Millis, isRfc3339Millis } from '../../protocol/time.ts'
import { MESSAGE_KINDS, PAYLOAD_TYPES, TLP_LEVELS } from '../../protocol/types.ts'
import type { MessageV1, ReceiptV1 } from '../../protocol/types.ts'
import type { MessageMeta, PeerRecord } from '../store/index.ts'

export const AUDIT_EVENT_TYPES = [
  'message.sent',
  'message.received',
  'message.rejected',
  'receipt.stored',
  'peer.added',
  'peer.updated',
  'peer.removed',
  'policy.changed',
  'key.rotated',
  'purge',
  'release.requested',
  'release.granted',
  'release.denied',
  'message.forwarded',
  'witness.alert',
  'message.replied',
  'message.rated',
  'taxii.request',
  'query',
  'query.key-rotated',
  'taskforce.charter',
  'taskforce.message',
  'query.key-notice'
] as const

export type AuditEventType = typeof AUDIT_EVENT_TYPES[number]

/** A JSON value as entries carry it (objects are written with sorted keys). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** What message.sent and message.received record: the index data and the stored bytes' hash. */
export interface MessageFields extends Pick<MessageV1, 'id' | 'kind' | 'from' | 'to' | 'created' | 'expires' | 'tlp' | 'handling' | 'topic' | 'legalBasis'> {
  /** The message identity: lowercase hex SHA-256 of the envelope's PAE bytes. */
  digest: string
  /** The envelope's payload type: a message, or a forward, release request/grant, key rotation. */
  payloadType: string
  /** Lowercase hex SHA-256 of the envelope bytes exactly as stored (as signed or received). */
  envelopeSha256: string
}

export type AuditEvent =
  | ({ type: 'message.sent' } & MessageFields)
  | ({ type: 'message.received' } & MessageFields)
  | { type: 'message.rejected', from: string, reason: string, digest: string | null, messageId: string | null }
  | {
    type: 'receipt.stored',
    for: string,
    by: string,
    status: 'accepted' | 'rejected',
    reason: string | null,
    envelopeSha256: string,
    /**
     * When the sender first transmitted the message to `by` (RFC 3339 UTC ms, its own clock), for
     * the report's outbox split; null when unknown (a receipt adopted from an older store, a
     * courier); absent in entries sealed before the field existed (ADDED_FIELDS).
     */
    sentAt?: string | null
  }
  | { type: 'peer.added', peerId: string, action: string, after: JsonValue }
  | { type: 'peer.updated', peerId: string, action: string, before: JsonValue, after: JsonValue }
  | { type: 'peer.removed', peerId: string, action: string, before: JsonValue }
  | { type: 'policy.changed', before: JsonValue, after: JsonValue }
  | { type: 'key.rotated', subject: 'self' | 'peer', oldPeerId: string, newPeerId: string, statement: string | null }
  | { type: 'purge', digests: string[] }
  | { type: 'release.requested', digest: string, requester: string, originator: string, request: string | null }
  | { type: 'release.granted', digest: string, requester: string, originator: string, grant: string | null }
  | { type: 'release.denied', digest: string, requester: string, originator: string, reason: string }
  | { type: 'message.forwarded', digest: string, to: string[], forward: string | null, grant: string | null }
  | { type: 'witness.alert', witness: string, origin: string, reason: string, detail: JsonValue }
  | { type: 'message.replied', digest: string, inReplyTo: string }
  | { type: 'message.rated', digest: string, rater: string, originator: string, rating: string, feedback: string }
  | { type: 'taxii.request', client: string, collection: string, action: string, objects: JsonValue, digests: JsonValue }
  | {
    type: 'query',
    role: string,
    queryId: string,
    queryDigest: string,
    peer: string,
    selectorType: string,
    count: JsonValue,
    legalBasis: string,
    purpose: string,
    hits: JsonValue,
    refused: string | null,
    keyId: string
  }
  | { type: 'query.key-rotated', epoch: JsonValue, keyId: string, previousKeyId: string, records: JsonValue, reason: string }
  | {
    type: 'taskforce.charter',
    taskForce: string,
    version: JsonValue,
    charter: string,
    previous: string | null,
    action: string,
    by: string,
    signers: string[]
  }
  | { type: 'taskforce.message', digest: string, taskForce: string, charter: string, direction: string, peers: string[] }
  | { type: 'query.key-notice', role: string, peer: string, previousKeyId: string, keyId: string, epoch: JsonValue, notice: string }

/** How an entry field is checked (entry.ts): the kinds of value an entry may carry. */
export type FieldKind =
  | 'digest'
  | 'digest?'
  | 'digests'
  | 'peer'
  | 'peers'
  | 'text'
  | 'text?'
  | 'codes'
  | 'time'
  | 'time?'
  | 'reason'
  | 'reason?'
  | 'kind'
  | 'tlp'
  | 'status'
  | 'subject'
  | 'action'
  | 'json'

/** Each event type's fields, in the order the entry encoding writes them, with their kind. */
export const EVENT_SCHEMA: { readonly [T in AuditEventType]: ReadonlyArray<readonly [string, FieldKind]> } = {
  'message.sent': messageSchema(),
  'message.received': messageSchema(),
  'message.rejected': [['from', 'peer'], ['reason', 'reason'], ['digest', 'digest?'], ['messageId', 'text?']],
  'receipt.stored': [['for', 'digest'], ['by', 'peer'], ['status', 'status'], ['reason', 'reason?'], ['envelopeSha256', 'digest'], ['sentAt', 'time?']],
  'peer.added': [['peerId', 'peer'], ['action', 'action'], ['after', 'json']],
  'peer.updated': [['peerId', 'peer'], ['action', 'action'], ['before', 'json'], ['after', 'json']],
  'peer.removed': [['peerId', 'peer'], ['action', 'action'], ['before', 'json']],
  'policy.changed': [['before', 'json'], ['after', 'json']],
  'key.rotated': [['subject', 'subject'], ['oldPeerId', 'peer'], ['newPeerId', 'peer'], ['statement', 'digest?']],
  purge: [['digests', 'digests']],
  'release.requested': [['digest', 'digest'], ['requester', 'peer'], ['originator', 'peer'], ['request', 'digest?']],
  'release.granted': [['digest', 'digest'], ['requester', 'peer'], ['originator', 'peer'], ['grant', 'digest?']],
  'release.denied': [['digest', 'digest'], ['requester', 'peer'], ['originator', 'peer'], ['reason', 'text']],
  'message.forwarded': [['digest', 'digest'], ['to', 'peers'], ['forward', 'digest?'], ['grant', 'digest?']],
  'witness.alert': [['witness', 'text'], ['origin', 'text'], ['reason', 'text'], ['detail', 'json']],
  'message.replied': [['digest', 'digest'], ['inReplyTo', 'text']],
  'message.rated': [['digest', 'digest'], ['rater', 'peer'], ['originator', 'peer'], ['rating', 'text'], ['feedback', 'digest']],
  'taxii.request': [['client', 'text'], ['collection', 'text'], ['action', 'action'], ['objects', 'json'], ['digests', 'json']],
  query: [
    ['role', 'text'],
    ['queryId', 'text'],
    ['queryDigest', 'text'],
    ['peer', 'peer'],
    ['selectorType', 'text'],
    ['count', 'json'],
    ['legalBasis', 'text'],
    ['purpose', 'text'],
    ['hits', 'json'],
    ['refused', 'text?'],
    ['keyId', 'text']
  ],
  'query.key-rotated': [['epoch', 'json'], ['keyId', 'text'], ['previousKeyId', 'text'], ['records', 'json'], ['reason', 'text']],
  'taskforce.charter': [['taskForce', 'text'], ['version', 'json'], ['charter', 'digest'], ['previous', 'digest?'], ['action', 'action'], ['by', 'peer'], [
    'signers',
    'peers'
  ]],
  'taskforce.message': [['digest', 'digest'], ['taskForce', 'text'], ['charter', 'digest'], ['direction', 'text'], ['peers', 'peers']],
  'query.key-notice': [['role', 'text'], ['peer', 'peer'], ['previousKeyId', 'text'], ['keyId', 'text'], ['epoch', 'json'], ['notice', 'digest']]
}

/**
 * Fields added to a type after entries of it were first written (module header): always the last
 * of the type's schema; an entry may end before them (sealed before they existed), never skip one
 * and carry a later one.
 */
export const ADDED_FIELDS: { readonly [T in AuditEventType]?: ReadonlySet<string> } = {
  'receipt.stored': new Set(['sentAt'])
}

function messageSchema (): ReadonlyArray<readonly [string, FieldKind]> {
  // id … legalBasis in the order a message payload starts with them (protocol/message.ts), so an
  // entry holds the index fields exactly as the signed payload writes them (verify/index-tuple.ts).
  return [
    ['digest', 'digest'],
    ['payloadType', 'text'],
    ['id', 'text'],
    ['kind', 'kind'],
    ['from', 'peer'],
    ['to', 'peers'],
    ['created', 'time'],
    ['expires', 'time'],
    ['tlp', 'tlp'],
    ['handling', 'codes'],
    ['topic', 'text'],
    ['legalBasis', 'text'],
    ['envelopeSha256', 'digest']
  ]
}

const DIGEST = /^[0-9a-f]{64}$/
const ACTION = /^[a-z][a-z0-9.-]{0,63}$/
const TEXT_MAX = 1024

/** Field checks shared by the factories (caller bugs: TypeError naming the field). */
export const check = {
  digest (value: unknown, field: string): string {
    if (typeof value !== 'string' || !DIGEST.test(value)) throw new TypeError(`${field} must be 64 lowercase hex digits`)
    return value
  },
  digestOrNull (value: unknown, field: string): string | null {
    return value == null ? null : check.digest(value, field)
  },
  peer (value: unknown, field: string): string {
    if (!isPeerId(value)) throw new TypeError(`${field} must be a peer ID`)
    return value
  },
  peers (value: unknown, field: string): string[] {
    if (!Array.isArray(value)) throw new TypeError(`${field} must be an array of peer IDs`)
    return value.map((p, i) => check.peer(p, `${field}[${i}]`))
  },
  text (value: unknown, field: string): string {
    if (typeof value !== 'string' || value === '' || value.length > TEXT_MAX || !value.isWellFormed()) {
      throw new TypeError(`${field} must be a non-empty string of at most ${TEXT_MAX} characters`)
    }
    return value
  },
  codes (value: unknown, field: string): string[] {
    if (!Array.isArray(value)) throw new TypeError(`${field} must be an array of codes`)
    return value.map((c, i) => check.text(c, `${field}[${i}]`))
  },
  time (value: unknown, field: string): string {
    if (!isRfc3339Millis(value)) throw new TypeError(`${field} must be an RFC 3339 UTC timestamp with milliseconds`)
    return value
  },
  json (value: unknown, field: string): JsonValue {
    const v = value === undefined ? null : value
    const problem = jsonDataProblem(v)
    if (problem !== undefined) throw new TypeError(`${field}${problem.slice(1)}`)
    return v as JsonValue
  },
  action (value: unknown, field: string): string {
    if (typeof value !== 'string' || !ACTION.test(value)) throw new TypeError(`${field} must be a short lowercase action name such as peer.suspended`)
    return value
  }
}

/** Lowercase hex SHA-256 of bytes (the `envelopeSha256` of an entry). */
export function sha256Hex (bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex')
}

function messageFields (
  meta: Pick<MessageMeta, 'digest' | 'payloadType' | 'id' | 'kind' | 'from' | 'to' | 'tlp' | 'topic' | 'legalBasis' | 'handling' | 'created' | 'expires'>,
  envelope: Uint8Array
): MessageFields {
  if (!(envelope instanceof Uint8Array)) throw new TypeError('envelope must be the stored envelope bytes')
  if (!(MESSAGE_KINDS as readonly string[]).includes(meta.kind)) throw new TypeError('meta.kind is not a message kind')
  if (!(TLP_LEVELS as readonly string[]).includes(meta.tlp)) throw new TypeError('meta.tlp is not a TLP label')
  return {
    digest: check.digest(meta.digest, 'meta.digest'),
    payloadType: check.text(meta.payloadType ?? PAYLOAD_TYPES.message, 'meta.payloadType'),
    id: check.text(meta.id, 'meta.id'),
    kind: meta.kind,
    from: check.peer(meta.from, 'meta.from'),
    to: check.peers(meta.to, 'meta.to'),
    created: check.time(meta.created, 'meta.created'),
    expires: check.time(meta.expires, 'meta.expires'),
    tlp: meta.tlp,
    handling: check.codes(meta.handling, 'meta.handling'),
    topic: check.text(meta.topic, 'meta.topic'),
    legalBasis: check.text(meta.legalBasis, 'meta.legalBasis'),
    envelopeSha256: sha256Hex(envelope)
  }
}

/** A trust-list change as the lead's TrustList hook reports it. */
export interface TrustChange {
  peerId: string
  before: PeerRecord | undefined
  after: PeerRecord | undefined
  /** e.g. peer.added, peer.updated, peer.suspended, peer.resumed, peer.revoked, peer.rotated, peer.removed */
  action: string
}

/** Factories: the only way the node should make audit events. */
export const auditEvents = {
  /** This node stored an outbound message (`envelope`: the bytes exactly as stored). */
  /**
   * A TAXII write, read or administration step: who (client name, or `operator`), which
   * collection, what (`objects.add`, `objects.get`, `object.delete`, `collection.add`, …),
   * which STIX objects by id and which message digests.
   */
  taxiiRequest (input: { client: string, collection: string, action: string, objects: string[], digests: string[] }): AuditEvent {
    return {
      type: 'taxii.request',
      client: check.text(input.client, 'client'),
      collection: check.text(input.collection, 'collection'),
      action: check.action(input.action, 'action'),
      objects: check.json(input.objects, 'objects'),
      digests: check.json(input.digests, 'digests')
    }
  },

  messageSent (meta: MessageMeta, envelope: Uint8Array): AuditEvent {
    return { type: 'message.sent', ...messageFields(meta, envelope) }
  },

  /** This node accepted and stored an inbound message (`envelope`: the frame as received). */
  messageReceived (meta: MessageMeta, envelope: Uint8Array): AuditEvent {
    return { type: 'message.received', ...messageFields(meta, envelope) }
  },

  /** An inbound frame was refused; `digest`/`messageId` when it was parsed far enough to know them. */
  messageRejected (input: { from: string, reason: string, digest?: string | null, messageId?: string | null }): AuditEvent {
    if (!isReasonCode(input.reason)) throw new TypeError('reason must be a reason code')
    return {
      type: 'message.rejected',
      from: check.peer(input.from, 'from'),
      reason: input.reason,
      digest: check.digestOrNull(input.digest, 'digest'),
      messageId: input.messageId == null ? null : check.text(input.messageId, 'messageId')
    }
  },

  /**
   * A receipt envelope was stored: ours for a message we accepted, or a recipient's for one we
   * sent. Status and reason are read from the receipt itself, so the entry says what it says.
   * `sentAt` (epoch ms or RFC 3339): when this node first transmitted the message to `by`, if it
   * knows (the delivery lane does).
   */
  receiptStored (input: {
    for: string,
    by: string,
    receipt: Uint8Array,
    parsed?: Pick<ReceiptV1, 'for' | 'by' | 'status' | 'reason'>,
    sentAt?: number | string | null
  }): AuditEvent {
    const digest = check.digest(input.for, 'for')
    const by = check.peer(input.by, 'by')
    if (!(input.receipt instanceof Uint8Array)) throw new TypeError('receipt must be the receipt envelope bytes')
    const sentAt = input.sentAt == null ? null : check.time(typeof input.sentAt === 'number' ? formatRfc3339Millis(input.sentAt) : input.sentAt, 'sentAt')
    const stored = (status: 'accepted' | 'rejected', reason: string | null): AuditEvent => ({
      type: 'receipt.stored',
      for: digest,
      by,
      status,
      reason,
      envelopeSha256: sha256Hex(input.receipt),
      sentAt
    })
    // The hot paths have just built or verified this receipt: they pass it parsed.
    if (input.parsed != null) {
      const r = input.parsed
      if (r.for !== digest || r.by !== by) throw new TypeError('receipt does not match for/by')
      return stored(r.status, r.reason ?? null)
    }
    // Exchange v2 keeps, per message, the evidence taken from its batch receipt (PROTOCOL.md §22).
    if (isReceiptEvidence(input.receipt)) {
      const e = parseReceiptEvidence(input.receipt)
      if (e.for !== digest || e.by !== by) throw new TypeError('receipt evidence does not match for/by')
      return stored(e.status, e.reason)
    }
    const env = decodeEnvelope(input.receipt)
    if (env.payloadType !== PAYLOAD_TYPES.receipt) throw new TypeError('receipt is not a receipt envelope')
    const receipt = parseReceipt(env.payload)
    if (receipt.for !== digest || receipt.by !== by) throw new TypeError('receipt does not match for/by')
    return stored(receipt.status, receipt.reason ?? null)
  },

  /** A trust-list change (the TrustList hook's argument): peer.added / peer.updated / peer.removed. */
  trustChanged (change: TrustChange): AuditEvent {
    const peerId = check.peer(change.peerId, 'peerId')
    const action = check.action(change.action, 'action')
    if (change.before == null && change.after != null) return { type: 'peer.added', peerId, action, after: check.json(change.after, 'after') }
    if (change.before != null && change.after == null) return { type: 'peer.removed', peerId, action, before: check.json(change.before, 'before') }
    if (change.before != null && change.after != null) {
      return { type: 'peer.updated', peerId, action, before: check.json(change.before, 'before'), after: check.json(change.after, 'after') }
    }
    throw new TypeError('a trust change needs before or after')
  },

  policyChanged (before: unknown, after: unknown): AuditEvent {
    return { type: 'policy.changed', before: check.json(before, 'before'), after: check.json(after, 'after') }
  },

  keyRotated (input: { subject: 'self' | 'peer', oldPeerId: string, newPeerId: string, statement?: string | null }): AuditEvent {
    if (input.subject !== 'self' && input.subject !== 'peer') throw new TypeError('subject must be self or peer')
    return {
      type: 'key.rotated',
      subject: input.subject,
      oldPeerId: check.peer(input.oldPeerId, 'oldPeerId'),
      newPeerId: check.peer(input.newPeerId, 'newPeerId'),
      statement: check.digestOrNull(input.statement, 'statement')
    }
  },

  purge (digests: string[]): AuditEvent {
    if (!Array.isArray(digests) || digests.length === 0) throw new TypeError('digests must be a non-empty array')
    return { type: 'purge', digests: digests.map((d, i) => check.digest(d, `digests[${i}]`)) }
  },

  releaseRequested (input: { digest: string, requester: string, originator: string, request?: string | null }): AuditEvent {
    return { type: 'release.requested', ...release(input), request: check.digestOrNull(input.request, 'request') }
  },

  releaseGranted (input: { digest: string, requester: string, originator: string, grant?: string | null }): AuditEvent {
    return { type: 'release.granted', ...release(input), grant: check.digestOrNull(input.grant, 'grant') }
  },

  releaseDenied (input: { digest: string, requester: string, originator: string, reason: string }): AuditEvent {
    return { type: 'release.denied', ...release(input), reason: check.text(input.reason, 'reason') }
  },

  messageForwarded (input: { digest: string, to: string[], forward?: string | null, grant?: string | null }): AuditEvent {
    return {
      type: 'message.forwarded',
      digest: check.digest(input.digest, 'digest'),
      to: check.peers(input.to, 'to'),
      forward: check.digestOrNull(input.forward, 'forward'),
      grant: check.digestOrNull(input.grant, 'grant')
    }
  },

  /**
   * The message `digest` (sent or received, logged in the same write) answers message id
   * `inReplyTo` (its signed `inReplyTo`): what links a request for information to its answer.
   * Only replies get one, so logs without replies are unchanged.
   */
  messageReplied (input: { digest: string, inReplyTo: string }): AuditEvent {
    return { type: 'message.replied', digest: check.digest(input.digest, 'digest'), inReplyTo: check.text(input.inReplyTo, 'inReplyTo') }
  },

  /** `messageReplied` for a message's index record, or nothing if it answers none. */
  repliesOf (meta: { digest: string, inReplyTo?: string, payloadType?: string }): AuditEvent[] {
    // Control envelopes (forwards, releases, feedback) copy the index record of their message: not replies.
    return meta.inReplyTo != null && (meta.payloadType == null || meta.payloadType === PAYLOAD_TYPES.message)
      ? [auditEvents.messageReplied({ digest: meta.digest, inReplyTo: meta.inReplyTo })]
      : []
  },

  /** Feedback on message `digest`: sent by this node (rater) or received from a recipient (originator = this node). */
  messageRated (input: { digest: string, rater: string, originator: string, rating: string, feedback: string }): AuditEvent {
    return {
      type: 'message.rated',
      digest: check.digest(input.digest, 'digest'),
      rater: check.peer(input.rater, 'rater'),
      originator: check.peer(input.originator, 'originator'),
      rating: check.text(input.rating, 'rating'),
      feedback: check.digest(input.feedback, 'feedback')
    }
  },

  witnessAlert (input: { witness: string, origin: string, reason: string, detail?: unknown }): AuditEvent {
    return {
      type: 'witness.alert',
      witness: check.text(input.witness, 'witness'),
      origin: check.text(input.origin, 'origin'),
      reason: check.text(input.reason, 'reason'),
      detail: check.json(input.detail ?? null, 'detail')
    }
  },

  /**
   * A hit/no-hit query (PROTOCOL.md §19), on either side: `role` is sent, answered, refused or
   * result. Built from node/query/audit-record.ts's record, which admits no selector field.
   */
  query (
    r: {
      event: string,
      queryId: string,
      queryDigest: string,
      peer: string,
      type: string,
      count: number,
      legalBasis: string,
      purpose: string,
      hits?: number,
      refused?: string,
      keyId: string
    }
  ): AuditEvent {
    if (!Number.isSafeInteger(r.count) || r.count < 0) throw new TypeError('count must be a non-negative integer')
    if (r.hits !== undefined && (!Number.isSafeInteger(r.hits) || r.hits < 0)) throw new TypeError('hits must be a non-negative integer')
    return {
      type: 'query',
      role: check.text(r.event, 'event'),
      queryId: check.text(r.queryId, 'queryId'),
      queryDigest: check.digest(r.queryDigest, 'queryDigest'),
      peer: check.peer(r.peer, 'peer'),
      selectorType: check.text(r.type, 'type'),
      count: r.count,
      legalBasis: check.text(r.legalBasis, 'legalBasis'),
      purpose: check.text(r.purpose, 'purpose'),
      hits: r.hits ?? null,
      refused: r.refused == null ? null : check.text(r.refused, 'refused'),
      keyId: check.text(r.keyId, 'keyId')
    }
  },

  /**
   * The node's OPRF key was rotated and its query index re-keyed (PROTOCOL.md §19.2): `reason`
   * is `schedule` (the configured lifetime ran out) or `operator` (asked for).
   */
  queryKeyRotated (r: { epoch: number, keyId: string, previousKeyId: string, records: number, reason: string }): AuditEvent {
    if (!Number.isSafeInteger(r.epoch) || r.epoch < 1) throw new TypeError('epoch must be a positive integer')
    if (!Number.isSafeInteger(r.records) || r.records < 0) throw new TypeError('records must be a non-negative integer')
    return {
      type: 'query.key-rotated',
      epoch: r.epoch,
      keyId: check.text(r.keyId, 'keyId'),
      previousKeyId: check.text(r.previousKeyId, 'previousKeyId'),
      records: r.records,
      reason: check.text(r.reason, 'reason')
    }
  },

  /**
   * An OPRF key notice (PROTOCOL.md §19.9): `announced` by the answering node with an answer to
   * a query under a retired key, `accepted` by the asker that verified it and re-pinned the
   * peer's key. `notice` is the digest (§8) of the signed notice envelope.
   */
  queryKeyNotice (r: { role: 'announced' | 'accepted', peer: string, previousKeyId: string, keyId: string, epoch: number, notice: string }): AuditEvent {
    if (!Number.isSafeInteger(r.epoch) || r.epoch < 1) throw new TypeError('epoch must be a positive integer')
    return {
      type: 'query.key-notice',
      role: check.text(r.role, 'role'),
      peer: check.peer(r.peer, 'peer'),
      previousKeyId: check.text(r.previousKeyId, 'previousKeyId'),
      keyId: check.text(r.keyId, 'keyId'),
      epoch: r.epoch,
      notice: check.digest(r.notice, 'notice')
    }
  }
}

/**
 * Task force events (PROTOCOL.md §21): a charter version proposed, signed, declined or its
 * signatures received (`action` taskforce.proposed | taskforce.signed | taskforce.declined |
 * taskforce.received, `by` who did it, `signers` all signatures now held), and the tie of a
 * message to the charter version it was sent or received under.
 */
export const taskForceEvents = {
  charter (
    input: { taskForce: string, version: number, charter: string, previous: string | null, action: string, by: string, signers: readonly string[] }
  ): AuditEvent {
    if (!Number.isSafeInteger(input.version) || input.version < 1) throw new TypeError('version must be a positive integer')
    return {
      type: 'taskforce.charter',
      taskForce: check.text(input.taskForce, 'taskForce'),
      version: input.version,
      charter: check.digest(input.charter, 'charter'),
      previous: check.digestOrNull(input.previous, 'previous'),
      action: check.action(input.action, 'action'),
      by: check.peer(input.by, 'by'),
      signers: check.peers([...input.signers], 'signers')
    }
  },
  message (input: { digest: string, taskForce: string, charter: string, direction: 'in' | 'out', peers: readonly string[] }): AuditEvent {
    return {
      type: 'taskforce.message',
      digest: check.digest(input.digest, 'digest'),
      taskForce: check.text(input.taskForce, 'taskForce'),
      charter: check.digest(input.charter, 'charter'),
      direction: input.direction === 'in' ? 'in' : 'out',
      peers: check.peers([...input.peers], 'peers')
    }
  }
}

function release (input: { digest: string, requester: string, originator: string }): { digest: string, requester: string, originator: string } {
  return {
    digest: check.digest(input.digest, 'digest'),
    requester: check.peer(input.requester, 'requester'),
    originator: check.peer(input.originator, 'originator')
  }
}

/** Whether a value looks like an AuditEvent (a known `type`); the encoder checks the fields. */
export function isAuditEvent (value: unknown): value is AuditEvent {
  return typeof value === 'object' && value !== null && Object.hasOwn(EVENT_SCHEMA, (value as { type?: unknown }).type as string)
}
