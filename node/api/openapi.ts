/**
 * The local API described as an OpenAPI 3.1 document, served at `GET /openapi.json`. A test
 * (test/unit/openapi.test.ts) matches every route of ApiServer against it, so a route added
 * without documentation fails the build; another (test/e2e/operator-api.test.ts) validates
 * real responses against the schemas here.
 *
 * Request bodies the node validates strictly (peer fields, node policy) take their schemas
 * from the zod schemas themselves; the rest are written out below.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { z } from 'zod'
import { REASON_CODES } from '../../protocol/errors.ts'
import { HANDLING_CODES, MESSAGE_KINDS, TLP_LEVELS } from '../../protocol/types.ts'
import { NODE_ERROR_CODES } from '../errors.ts'
import { peerFieldsSchema } from '../policy/peer-fields.ts'
import { nodePolicySchema } from '../policy/node-policy.ts'

type Schema = Record<string, unknown>

/** Every stable error code the API (and the CLI) can answer with. */
export const API_ERROR_CODES: readonly string[] = [...new Set([...Object.keys(NODE_ERROR_CODES), ...Object.keys(REASON_CODES)])]

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...(description != null ? { description } : {}), ...extra })
const int = (description?: string, extra: Schema = {}): Schema => ({ type: 'integer', ...(description != null ? { description } : {}), ...extra })
const bool = (description?: string): Schema => ({ type: 'boolean', ...(description != null ? { description } : {}) })
const arr = (items: Schema, description?: string): Schema => ({ type: 'array', items, ...(description != null ? { description } : {}) })
const obj = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({ type: 'object', properties, required, ...extra })

const peerId = str('libp2p peer ID of an Ed25519 key (base58btc, 12D3KooW…)', { pattern: '^12D3KooW[1-9A-HJ-NP-Za-km-z]{44,48}$' })
const digest = str('SHA-256 of the envelope\'s PAE bytes, lowercase hex', { pattern: '^[0-9a-f]{64}$' })
const uuid = str('UUIDv7', { pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' })
const instant = str('RFC 3339 date-time, UTC', { format: 'date-time' })
const epochMs = int('milliseconds since the Unix epoch')
const tlp = { type: 'string', enum: [...TLP_LEVELS], description: 'FIRST TLP 2.0 label' }
const kind = { type: 'string', enum: [...MESSAGE_KINDS] }

/** zod → JSON Schema 2020-12 (what OpenAPI 3.1 uses), without the top-level $schema. */
function fromZod (schema: z.ZodType, io: 'input' | 'output'): Schema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Schema
  delete out.$schema
  return out
}

const schemas: Record<string, Schema> = {
  ErrorCode: { type: 'string', enum: [...API_ERROR_CODES], description: 'Stable error code (node/errors.ts, protocol/errors.ts); the CLI prints the same codes.' },
  Error: obj({
    error: obj({
      code: ref('ErrorCode'),
      message: str('Human-readable; may change between versions (the code does not).'),
      details: { description: 'Code-specific detail: per-recipient outcomes for RECIPIENT_REFUSED, the list of problems for CONFIG_INVALID.' }
    }, ['code', 'message'])
  }, ['error']),
  Health: obj({
    status: { type: 'string', enum: ['ready', 'not-ready'] },
    peerId,
    name: str('agency name from the config'),
    running: bool('true when answered by a running node'),
    connected: arr(peerId, 'peers with an open connection')
  }, ['status', 'peerId', 'name', 'running']),
  SendInput: obj({
    to: { ...arr(peerId), minItems: 1 },
    kind,
    tlp,
    topic: str('topic slug', { pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' }),
    legalBasis: str('id of an agreement valid with every recipient'),
    handling: arr(str(`handling code: ${HANDLING_CODES.join(', ')} or x-…`)),
    inReplyTo: uuid,
    expires: instant,
    ttlMs: int('lifetime in ms when `expires` is absent (default 30 days)', { minimum: 1 }),
    body: { type: 'object', description: 'the message body (any JSON object); never logged' }
  }, ['to', 'kind', 'tlp', 'topic', 'legalBasis', 'body']),
  RecipientOutcome: obj({
    peerId,
    status: { type: 'string', enum: ['queued', 'refused', 'delivered', 'rejected', 'expired', 'cancelled', 'pending'] },
    reason: ref('ErrorCode')
  }, ['peerId', 'status']),
  SendResult: obj({ id: uuid, digest, recipients: arr(ref('RecipientOutcome')) }, ['id', 'digest', 'recipients']),
  MessageMeta: obj({
    digest,
    id: uuid,
    payloadType: str('absent for plain messages; set for forwards and release requests/grants'),
    direction: { type: 'string', enum: ['in', 'out'] },
    from: peerId,
    to: arr(peerId),
    kind,
    tlp,
    topic: str(),
    legalBasis: str(),
    handling: arr(str()),
    created: instant,
    expires: instant,
    inReplyTo: uuid,
    storedAt: epochMs,
    original: obj({ digest, id: uuid, from: peerId }, ['digest', 'id', 'from'], { description: 'for a forward: the original message inside it' }),
    purgedAt: epochMs
  }, ['digest', 'id', 'direction', 'from', 'to', 'kind', 'tlp', 'topic', 'legalBasis', 'handling', 'created', 'expires', 'storedAt']),
  DeliveryRecord: obj({
    digest,
    messageId: uuid,
    recipient: peerId,
    status: { type: 'string', enum: ['pending', 'delivered', 'rejected', 'expired', 'cancelled'] },
    seq: int('queue position'),
    attempts: int(),
    queuedAt: epochMs,
    updatedAt: epochMs,
    expires: instant,
    reason: ref('ErrorCode'),
    receiptDigest: digest
  }, ['digest', 'messageId', 'recipient', 'status', 'seq', 'attempts', 'queuedAt', 'updatedAt', 'expires']),
  MessageView: obj({
    meta: ref('MessageMeta'),
    envelope: str('base64 of the envelope bytes exactly as signed or received (with ?envelope=true, until purged)', { contentEncoding: 'base64' }),
    receipts: arr(obj({ by: peerId, envelope: str('base64 of the signed receipt envelope', { contentEncoding: 'base64' }) }, ['by', 'envelope'])),
    deliveries: arr(ref('DeliveryRecord'), 'outbound messages: delivery state per recipient')
  }, ['meta', 'receipts']),
  Agreement: obj({ id: str(), validFrom: instant, validUntil: instant }, ['id', 'validFrom', 'validUntil']),
  PeerRecord: obj({
    peerId,
    name: str(),
    addresses: arr(str('multiaddr')),
    status: { type: 'string', enum: ['active', 'suspended', 'revoked'] },
    jurisdiction: str('ISO 3166-1 alpha-2'),
    agreements: arr(ref('Agreement')),
    maxTlpOut: tlp,
    maxTlpIn: tlp,
    topicsOut: arr(str()),
    topicsIn: arr(str()),
    kinds: arr(kind),
    note: str(),
    keyHistory: arr(obj({ peerId, validFrom: instant, validUntil: instant }, ['peerId', 'validFrom'])),
    autoApproveRotation: bool(),
    oprfKey: ref('OprfKey'),
    query: obj({ types: arr(str('selector type')), quotaPerDay: int('selectors per rolling 24 hours'), maxPerQuery: int('selectors per query') }, ['types', 'quotaPerDay', 'maxPerQuery'], { description: 'hit/no-hit queries this peer may send this node (PROTOCOL.md §19); absent: none' }),
    addedAt: instant,
    updatedAt: instant
  }, ['peerId', 'name', 'addresses', 'status', 'agreements', 'maxTlpOut', 'maxTlpIn', 'topicsOut', 'topicsIn', 'kinds', 'keyHistory', 'addedAt', 'updatedAt']),
  OprfKey: obj({ publicKey: str('base64 of the 32-byte ristretto255 VOPRF public key'), keyId: str('SHA-256(publicKey)[0..16), hex') }, ['publicKey', 'keyId'], { description: 'the node\'s OPRF key for hit/no-hit queries (PROTOCOL.md §19.2)' }),
  QueryOutcome: obj({
    queryId: uuid,
    queryDigest: digest,
    to: peerId,
    type: str('selector type'),
    count: int(),
    hits: int(),
    keyId: str('the answering node\'s OPRF key id'),
    results: arr(obj({ index: int('position in the request'), result: { type: 'string', enum: ['hit', 'no-hit'] }, hitRef: { type: ['string', 'null'], description: 'hit reference for a follow-up' } }, ['index', 'result', 'hitRef']))
  }, ['queryId', 'queryDigest', 'to', 'type', 'count', 'hits', 'keyId', 'results']),
  PeerFields: { ...fromZod(peerFieldsSchema, 'input'), description: 'Editable fields of a trust record; absent fields keep their value (or the default for a new peer).' },
  PeerInput: { allOf: [ref('PeerFields'), obj({ peerId, name: str() }, ['peerId', 'name'])] },
  AddPeerResult: obj({ record: ref('PeerRecord'), fingerprint: str('key fingerprint to confirm out of band (XXXX-XXXX-XXXX-XXXX-XXXX-XXXX)') }, ['record']),
  PeerStatusChange: obj({ record: ref('PeerRecord'), cancelled: arr(ref('DeliveryRecord'), 'deliveries cancelled by a revocation') }, ['record', 'cancelled']),
  NodePolicy: { ...fromZod(nodePolicySchema, 'output'), description: 'The node policy in force (DIR/policy.json with defaults applied).' },
  PolicyCheckInput: obj({ to: peerId, tlp, topic: str(), kind, legalBasis: str(), handling: arr(str()) }, ['to', 'tlp', 'topic', 'kind', 'legalBasis', 'handling']),
  Check: obj({ name: str(), ok: bool(), reason: ref('ErrorCode'), detail: str() }, ['name', 'ok', 'reason', 'detail']),
  Decision: obj({
    decision: { type: 'string', enum: ['accept', 'reject'] },
    reason: ref('ErrorCode'),
    detail: str(),
    checks: arr(ref('Check'))
  }, ['decision', 'checks']),
  CardExport: obj({
    envelope: str('the self-signed trust card: a DSSE envelope (JSON text)'),
    fingerprint: str('fingerprint of this node\'s key'),
    card: obj({ v: { const: 1 }, peerId, name: str(), jurisdiction: str(), addresses: arr(str()), created: instant, oprfKey: ref('OprfKey') }, ['v', 'peerId', 'name', 'addresses', 'created'])
  }, ['envelope', 'fingerprint', 'card']),
  OwnRotation: obj({ id: uuid, oldPeerId: peerId, newPeerId: peerId, created: instant, statementDigest: digest, announcedTo: arr(peerId) }, ['id', 'oldPeerId', 'newPeerId', 'created', 'statementDigest', 'announcedTo']),
  PeerRotation: obj({
    oldPeerId: peerId,
    newPeerId: peerId,
    id: uuid,
    created: instant,
    statementDigest: digest,
    status: { type: 'string', enum: ['pending', 'applied'] },
    updatedAt: epochMs
  }, ['oldPeerId', 'newPeerId', 'id', 'created', 'statementDigest', 'status', 'updatedAt']),
  WitnessOutcome: obj({
    peerId,
    status: { type: 'string', enum: ['cosigned', 'alert', 'failed'] },
    detail: str()
  }, ['peerId', 'status']),
  Witnesses: obj({
    seen: arr(obj({ peerId, size: { type: 'integer' }, root: str(), note: str(), time: { type: 'integer' }, cosignedAt: { type: 'integer' } }), 'the latest checkpoint of each peer, as cosigned'),
    alerts: arr(obj({ seq: { type: 'integer' }, peerId, at: { type: 'integer' }, reason: { type: 'string', enum: ['FORK', 'ROLLBACK'] }, detail: str(), previous: str(), presented: str() }), 'inconsistencies caught, with both checkpoints as evidence')
  }, ['seen', 'alerts']),
  KeyStatus: obj({
    rotation: ref('OwnRotation'),
    waiting: arr(peerId, 'peers that have not answered this node\'s rotation yet'),
    peerRotations: arr(ref('PeerRotation'), 'rotations announced by peers')
  }, ['waiting', 'peerRotations']),
  ReleaseRecord: obj({
    requestId: uuid,
    direction: { type: 'string', enum: ['in', 'out'], description: 'in: asked of this node (the originator); out: asked by it' },
    status: { type: 'string', enum: ['pending', 'granted', 'denied'] },
    messageDigest: digest,
    messageId: uuid,
    forwarder: peerId,
    originator: peerId,
    recipient: peerId,
    reason: str(),
    requestDigest: digest,
    grantDigest: digest,
    grantExpires: instant,
    updatedAt: epochMs
  }, ['requestId', 'direction', 'status', 'messageDigest', 'messageId', 'forwarder', 'originator', 'recipient', 'reason', 'requestDigest', 'updatedAt'])
}

// ---- responses ---------------------------------------------------------------------------

const json = (schema: Schema, description: string): Schema => ({ description, content: { 'application/json': { schema } } })
const error = (description: string): Schema => json(ref('Error'), description)
const ERRORS = {
  400: error('BAD_ARGUMENT, SCHEMA_INVALID, BAD_PEER_ID or BAD_KEY: the request is malformed.'),
  401: error('UNAUTHORIZED: the bearer token is missing or wrong; nothing was done.'),
  404: error('NOT_FOUND: no such message, peer, release request or route.'),
  409: error('PEER_EXISTS or NODE_NOT_RUNNING.'),
  413: error('TOO_LARGE: the request body (2 MiB) or the message exceeds its limit.'),
  422: error('A refusal with a stable reason code (RECIPIENT_REFUSED, FORWARD_NOT_PERMITTED, PEER_REVOKED, CONFIG_INVALID…).'),
  500: error('INTERNAL: an unexpected error; logged by the node.'),
  504: error('TIMEOUT: `wait` ran out before every recipient answered; the message stays queued.')
} as const
type Status = keyof typeof ERRORS

interface Op {
  summary: string
  operationId: string
  tags: string[]
  ok: Schema
  body?: Schema
  query?: Array<{ name: string, schema: Schema, description: string }>
  errors?: Status[]
  description?: string
}

function operation (op: Op, pathParams: Array<{ name: string, description: string, schema: Schema }>): Schema {
  const parameters = [
    ...pathParams.map(p => ({ name: p.name, in: 'path', required: true, description: p.description, schema: p.schema })),
    ...(op.query ?? []).map(q => ({ name: q.name, in: 'query', required: false, description: q.description, schema: q.schema }))
  ]
  const responses: Record<string, Schema> = { 200: op.ok, 401: ERRORS[401], 500: ERRORS[500] }
  for (const status of op.errors ?? []) responses[status] = ERRORS[status]
  return {
    summary: op.summary,
    operationId: op.operationId,
    tags: op.tags,
    ...(op.description != null ? { description: op.description } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body != null ? { requestBody: { required: true, content: { 'application/json': { schema: op.body } } } } : {}),
    responses
  }
}

const P = {
  ref: { name: 'ref', description: 'message id (UUIDv7) or envelope digest', schema: str() },
  peerId: { name: 'peerId', description: 'peer ID on the trust list', schema: peerId },
  requestId: { name: 'requestId', description: 'release request id', schema: uuid }
}
const LIST_QUERY = [
  { name: 'since', schema: instant, description: 'only messages stored at or after this time' },
  { name: 'from', schema: peerId, description: 'only messages from this peer' },
  { name: 'limit', schema: int(undefined, { minimum: 1 }), description: 'at most this many' }
]

const healthOp = (operationId: string): Op => ({ summary: 'Whether the node is ready', operationId, tags: ['node'], ok: json(ref('Health'), 'ready or not-ready, with this node\'s peer ID and connected peers') })
const answerBody = obj({ validMs: int('how long a grant may be used (grant only)', { minimum: 1 }), reason: str('shown to the forwarder') }, [])

/** Path → method → operation, and the path parameters. */
const PATHS: Record<string, { params?: Array<typeof P[keyof typeof P]>, ops: Partial<Record<'get' | 'post' | 'patch' | 'delete', Op>> }> = {
  '/health': { ops: { get: healthOp('health') } },
  '/v1/health': { ops: { get: healthOp('healthV1') } },
  '/v1/messages': {
    ops: {
      post: {
        summary: 'Sign and send a message',
        description: 'Policy is checked per recipient before signing; refused recipients are reported and not queued. 200 means the message is durably queued (or, with wait=true, that every recipient answered).',
        operationId: 'send',
        tags: ['messages'],
        body: ref('SendInput'),
        query: [
          { name: 'wait', schema: bool(), description: 'answer only once every recipient\'s receipt is recorded' },
          { name: 'timeoutMs', schema: int(undefined, { minimum: 1 }), description: 'how long to wait (default 60000)' }
        ],
        ok: json(ref('SendResult'), 'queued (or final) outcome per recipient'),
        errors: [400, 409, 413, 422, 504]
      }
    }
  },
  '/v1/messages/{ref}': { params: [P.ref], ops: { get: { summary: 'One message, its receipts and delivery state', operationId: 'message', tags: ['messages'], query: [{ name: 'envelope', schema: bool(), description: 'include the envelope bytes (base64)' }], ok: json(ref('MessageView'), 'the message'), errors: [404] } } },
  '/v1/messages/{ref}/forward': {
    params: [P.ref],
    ops: { post: { summary: 'Forward a received message, under the originator\'s control', operationId: 'forward', tags: ['forwarding'], body: obj({ to: { ...arr(peerId), minItems: 1 }, legalBasis: str() }, ['to']), ok: json(ref('SendResult'), 'the forward, queued'), errors: [400, 404, 422] } }
  },
  '/v1/inbox': { ops: { get: { summary: 'Received messages, oldest first', operationId: 'inbox', tags: ['messages'], query: LIST_QUERY, ok: json(arr(ref('MessageMeta')), 'index data of received messages'), errors: [400] } } },
  '/v1/sent': { ops: { get: { summary: 'Sent messages, oldest first', operationId: 'sent', tags: ['messages'], query: LIST_QUERY, ok: json(arr(ref('MessageMeta')), 'index data of sent messages'), errors: [400] } } },
  '/v1/outbox': { ops: { get: { summary: 'Delivery state per message and recipient', operationId: 'outbox', tags: ['messages'], ok: json(arr(ref('DeliveryRecord')), 'every delivery record') } } },
  '/v1/peers': {
    ops: {
      get: { summary: 'The trust list', operationId: 'peers', tags: ['trust'], ok: json(arr(ref('PeerRecord')), 'every peer, by name') },
      post: { summary: 'Add a peer by peer ID', operationId: 'addPeer', tags: ['trust'], body: ref('PeerInput'), ok: json(ref('PeerRecord'), 'the new record'), errors: [400, 409] }
    }
  },
  '/v1/peers/from-card': {
    ops: { post: { summary: 'Add a peer from its self-signed trust card', operationId: 'addPeerFromCard', tags: ['trust'], body: obj({ card: str('the card envelope (JSON text)'), fields: ref('PeerFields'), fingerprint: str('refuse unless the card\'s key has this fingerprint') }, ['card']), ok: json(ref('AddPeerResult'), 'the new record and the fingerprint to confirm'), errors: [400, 409, 422] } }
  },
  '/v1/peers/{peerId}': {
    params: [P.peerId],
    ops: {
      get: { summary: 'One peer', operationId: 'peer', tags: ['trust'], ok: json(ref('PeerRecord'), 'the record'), errors: [404] },
      patch: { summary: 'Change a peer\'s permissions, addresses or name', operationId: 'updatePeer', tags: ['trust'], body: ref('PeerFields'), ok: json(ref('PeerRecord'), 'the updated record'), errors: [400, 404] },
      delete: { summary: 'Remove a peer from the trust list', operationId: 'removePeer', tags: ['trust'], ok: json(obj({ removed: peerId }, ['removed']), 'removed'), errors: [404] }
    }
  },
  '/v1/peers/{peerId}/status': {
    params: [P.peerId],
    ops: { post: { summary: 'Suspend, resume or revoke a peer', description: 'Suspension closes the peer\'s connections at once; revocation is permanent and cancels everything queued for it.', operationId: 'setPeerStatus', tags: ['trust'], body: obj({ status: { type: 'string', enum: ['active', 'suspended', 'revoked'] } }, ['status']), ok: json(ref('PeerStatusChange'), 'the new record and any cancelled deliveries'), errors: [400, 404, 422] } }
  },
  '/v1/policy': { ops: { get: { summary: 'The node policy in force', operationId: 'policy', tags: ['policy'], ok: json(ref('NodePolicy'), 'the policy') } } },
  '/v1/policy/reload': { ops: { post: { summary: 'Re-read DIR/policy.json (like SIGHUP)', description: 'An invalid file leaves the policy in force and answers 422 CONFIG_INVALID.', operationId: 'reloadPolicy', tags: ['policy'], ok: json(ref('NodePolicy'), 'the policy now in force'), errors: [422] } } },
  '/v1/policy/check': { ops: { post: { summary: 'Explain the decision for a message to a peer, without sending', operationId: 'checkPolicy', tags: ['policy'], body: ref('PolicyCheckInput'), ok: json(ref('Decision'), 'accept or reject, check by check'), errors: [400] } } },
  '/v1/card': { ops: { get: { summary: 'This node\'s self-signed trust card', operationId: 'card', tags: ['trust'], ok: json(ref('CardExport'), 'the card and its fingerprint') } } },
  '/v1/releases': {
    ops: {
      get: { summary: 'Release requests asked of or by this node', operationId: 'releases', tags: ['forwarding'], ok: json(arr(ref('ReleaseRecord')), 'every release request') },
      post: { summary: 'Ask the originator to release a received message to another peer', operationId: 'requestRelease', tags: ['forwarding'], body: obj({ message: str('message id or digest'), recipient: peerId, reason: str() }, ['message', 'recipient', 'reason']), ok: json(ref('ReleaseRecord'), 'the request, sent to the originator'), errors: [400, 404, 422] }
    }
  },
  '/v1/releases/{requestId}/grant': { params: [P.requestId], ops: { post: { summary: 'Grant a release request (originator)', operationId: 'grantRelease', tags: ['forwarding'], body: answerBody, ok: json(ref('ReleaseRecord'), 'the granted request'), errors: [400, 404, 422] } } },
  '/v1/releases/{requestId}/deny': { params: [P.requestId], ops: { post: { summary: 'Deny a release request (originator)', operationId: 'denyRelease', tags: ['forwarding'], body: answerBody, ok: json(ref('ReleaseRecord'), 'the denied request'), errors: [400, 404, 422] } } },
  '/v1/keys': { ops: { get: { summary: 'Key rotation status: this node\'s, and those its peers announced', operationId: 'keyStatus', tags: ['keys'], ok: json(ref('KeyStatus'), 'rotation status') } } },
  '/v1/keys/rotate': {
    ops: { post: { summary: 'Start a key rotation: a new key, announced to every active peer', description: 'The node switches to the new key at its next start once every peer has answered (`liaison keys finish` forces it on a stopped node).', operationId: 'rotateKey', tags: ['keys'], ok: json(ref('OwnRotation'), 'the rotation, announced'), errors: [400] } }
  },
  '/v1/peers/{peerId}/approve-rotation': {
    params: [P.peerId],
    ops: { post: { summary: 'Apply the key rotation a peer announced (peerId: its old ID)', operationId: 'approveRotation', tags: ['keys'], ok: json(ref('PeerRecord'), 'the re-keyed record'), errors: [400, 404, 422] } }
  },
  '/v1/witness': {
    ops: { post: { summary: 'Ask every active peer to cosign this node\'s latest checkpoint now', operationId: 'witness', tags: ['audit'], ok: json(arr(ref('WitnessOutcome')), 'one outcome per peer'), errors: [409] } }
  },
  '/v1/queries': {
    ops: { post: { summary: 'Ask a peer hit or no-hit for selectors of one type (PROTOCOL.md §19); registered by the running node', operationId: 'query', tags: ['queries'], body: obj({ to: peerId, type: str(), selectors: arr(str()), legalBasis: str(), purpose: str(), region: str('default region for national phone formats') }, ['to', 'type', 'selectors', 'legalBasis', 'purpose']), ok: json(ref('QueryOutcome'), 'per selector hit or no-hit'), errors: [400, 404, 422] } }
  },
  '/v1/queries/follow-up': {
    ops: { post: { summary: 'Send the answering node an rfi carrying a hit\'s selector and reference', operationId: 'queryFollowUp', tags: ['queries'], body: obj({ hitRef: str(), reason: str() }, ['hitRef', 'reason']), ok: json(ref('SendResult'), 'the rfi message'), errors: [400, 404, 422] } }
  },
  '/v1/queries/pins/{peerId}': { params: [P.peerId], ops: { delete: { summary: 'Forget the OPRF key pinned at first use for a peer (after a confirmed key rotation)', operationId: 'queryUnpin', tags: ['queries'], ok: json(obj({ unpinned: peerId }, ['unpinned']), 'unpinned'), errors: [400, 404] } } },
  '/v1/queries/pending': { ops: { get: { summary: 'Received follow-ups with the local reference of the record each names', operationId: 'queryPending', tags: ['queries'], ok: json(arr(obj({}, [], { additionalProperties: true })), 'follow-ups') } } },
  '/v1/witnesses': { ops: { get: { summary: 'Peers\' checkpoints this node witnessed, and inconsistency alerts', operationId: 'witnesses', tags: ['audit'], ok: json(ref('Witnesses'), 'witnessed checkpoints and alerts') } } },
  '/metrics': {
    ops: {
      get: {
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        description: 'Every metric is documented in docs/metrics.md.',
        operationId: 'metrics',
        tags: ['node'],
        ok: { description: 'metrics', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } }
      }
    }
  },
  '/openapi.json': { ops: { get: { summary: 'This document', operationId: 'openapi', tags: ['node'], ok: json({ type: 'object' }, 'OpenAPI 3.1') } } }
}

/** Paths served by ApiServer's `extra` handler rather than its route list. */
export const EXTRA_PATHS: readonly string[] = ['/metrics', '/openapi.json']

/** The OpenAPI 3.1 document of the local API (a fresh, JSON-able object). */
export function openApiDocument (version = '0.1.0'): Record<string, unknown> {
  const paths: Record<string, Schema> = {}
  for (const [path, { params, ops }] of Object.entries(PATHS)) {
    const item: Schema = {}
    for (const [method, op] of Object.entries(ops)) item[method] = operation(op, params ?? [])
    paths[path] = item
  }
  return structuredClone({
    openapi: '3.1.0',
    info: {
      title: 'Liaison local API',
      version,
      description: [
        'The API a Liaison node offers its own operator, tools and the `liaison` CLI. It listens on loopback only',
        '(127.0.0.1) unless the config sets `api.host` and `api.allowNonLoopback`; every request, on any address,',
        'needs `Authorization: Bearer <token>` with the token from DIR/api-token.',
        '',
        'Errors are `{ "error": { "code", "message", "details"? } }`. The code is stable and is the one the CLI prints',
        '(`error CODE: message`). HTTP status by code: 400 BAD_ARGUMENT, SCHEMA_INVALID, BAD_PEER_ID, BAD_KEY;',
        '401 UNAUTHORIZED; 404 NOT_FOUND; 409 PEER_EXISTS, NODE_NOT_RUNNING; 413 TOO_LARGE; 500 INTERNAL;',
        '504 TIMEOUT; 422 every other code.'
      ].join('\n')
    },
    servers: [{ url: 'http://127.0.0.1:{port}', description: 'the node\'s local API (its URL is in DIR/node.json while it runs)', variables: { port: { default: '0' } } }],
    security: [{ bearerToken: [] }],
    tags: [
      { name: 'node', description: 'health, metrics, this document' },
      { name: 'messages', description: 'send, inbox, outbox' },
      { name: 'trust', description: 'the trust list and trust cards' },
      { name: 'policy', description: 'the node policy and decisions' },
      { name: 'forwarding', description: 'forwarding and release requests' },
      { name: 'keys', description: 'identity key rotation' },
      { name: 'audit', description: 'witnessing of audit-log checkpoints by peers' }
    ],
    paths,
    components: {
      securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer', description: 'the contents of DIR/api-token (mode 0600)' } },
      schemas
    }
  })
}

/** A route for ApiServer's `extra`: `GET /openapi.json`. */
export function openApiRoute (version?: string): (req: IncomingMessage, url: URL) => Promise<{ status: number, type: string, body: string } | undefined> {
  const body = JSON.stringify(openApiDocument(version), null, 2)
  return async (req, url) => {
    if (url.pathname !== '/openapi.json' || req.method !== 'GET') return undefined
    return { status: 200, type: 'application/json', body }
  }
}
