/**
 * The zod schemas of the local API: field types shared by many routes, and the named request
 * and response shapes that the OpenAPI document lists under `components.schemas`. A schema
 * made with `named(id, …)` becomes a component referenced by `$ref`; anything else is inlined
 * where it is used. Requests are checked against these schemas before any handler runs
 * (objects are strict: unknown keys are rejected); responses are documented by them.
 *
 * @module
 */
import { z } from 'zod'
import { REASON_CODES } from '../../protocol/errors.ts'
import { MAX_LEGAL_BASIS_LENGTH, MAX_RECIPIENTS, MAX_SLUG_LENGTH } from '../../protocol/limits.ts'
import { MESSAGE_KINDS, TLP_LEVELS } from '../../protocol/types.ts'
import { ERROR_DETAILS, NODE_ERROR_CODES } from '../errors.ts'
import { peerFieldsSchema, nodePolicySchema } from '../policy/index.ts'

/** Components of the OpenAPI document: schema → its name under `#/components/schemas/`. */
export const apiComponents = z.registry<{ id: string, description?: string }>()

/** A named schema: documented once under components.schemas and referenced by `$ref`. */
export function named<T extends z.ZodType> (id: string, schema: T, description?: string): T {
  apiComponents.add(schema, { id, ...(description != null ? { description } : {}) })
  return schema
}

/** Every stable error code the API (and the CLI) can answer with. */
export const API_ERROR_CODES: readonly string[] = [...new Set([...Object.keys(NODE_ERROR_CODES), ...Object.keys(REASON_CODES)])]

// ---- fields ------------------------------------------------------------------------------

export const peerId = z.string().regex(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{44,48}$/).describe('libp2p peer ID of an Ed25519 key (base58btc, 12D3KooW…)')
export const digest = z.string().regex(/^[0-9a-f]{64}$/).describe("SHA-256 of the envelope's PAE bytes, lowercase hex")
export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/).describe('UUIDv7')
export const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/).describe('RFC 3339 date-time')
export const epochMs = z.number().int().describe('milliseconds since the Unix epoch')
export const tlp = z.enum(TLP_LEVELS).describe('FIRST TLP 2.0 label')
export const kind = z.enum(MESSAGE_KINDS)
export const slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/).max(MAX_SLUG_LENGTH).describe('topic slug')
export const legalBasis = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/).max(MAX_LEGAL_BASIS_LENGTH).describe(
  'id of an agreement valid with every recipient'
)
export const handlingCode = z.string().min(1).max(MAX_SLUG_LENGTH + 2)
/** A message reference in a path: its id (UUIDv7) or envelope digest. */
export const messageRef = z.string().min(1).max(128).describe('message id (UUIDv7) or envelope digest')

export const errorCode = named(
  'ErrorCode',
  z.enum(API_ERROR_CODES as [string, ...string[]]).describe('Stable error code (node/errors.ts, protocol/errors.ts); the CLI prints the same codes.')
)

// ---- query parameters (strings on the wire) ----------------------------------------------

/** `true` or `false`, nothing else. */
export const boolParam = z.enum(['true', 'false']).transform(v => v === 'true')
/** A positive decimal integer without sign, leading zeros or exponent. */
export const positiveIntParam = z.string().regex(/^[1-9][0-9]{0,14}$/, 'a positive integer').transform(Number)
/** An RFC 3339 date-time, to milliseconds since the epoch. */
export const instantParam = instant.transform(Date.parse).pipe(z.number().refine(t => !Number.isNaN(t), 'a valid date'))

// ---- errors ------------------------------------------------------------------------------

export const validationIssue = named(
  'ValidationIssue',
  z.object({
    in: z.enum(['path', 'query', 'body']).describe('which part of the request'),
    path: z.string().describe('JSON Pointer (RFC 6901) to the offending field within that part; "" for the whole part'),
    problem: z.enum(['missing', 'unknown', 'invalid']).describe(
      'missing: a required field is absent; unknown: the field is not allowed here; invalid: present but wrong'
    ),
    message: z.string().describe('what was expected (wording may change)')
  })
)

export const apiError = named(
  'Error',
  z.object({
    error: z.object({
      code: errorCode,
      message: z.string().describe('Human-readable; may change between versions (the code does not).'),
      details: z.unknown().describe(
        `Code-specific detail (no other code has any): ${Object.entries(ERROR_DETAILS).map(([code, what]) => `${code}: ${what}`).join('; ')}.`
      ).optional()
    })
  })
)

// ---- requests ----------------------------------------------------------------------------

/** For POST routes that take no input: no body, or `{}`. */
export const noBody = z.strictObject({}).optional()

export const sendInput = named(
  'SendInput',
  z.strictObject({
    to: z.array(peerId).max(MAX_RECIPIENTS).default([]).describe(
      'the recipients (at least one); empty or absent with taskForce, which addresses every current member'
    ),
    taskForce: uuid.describe("send under this task force's charter in effect to every current member (PROTOCOL.md §21.5)").optional(),
    kind,
    tlp,
    topic: slug,
    legalBasis,
    handling: z.array(handlingCode).max(32).describe('handling codes (protocol/types.ts HANDLING_CODES) or x-…').optional(),
    inReplyTo: uuid.optional(),
    expires: instant.optional(),
    ttlMs: z.number().int().min(1).describe('lifetime in ms when `expires` is absent (default 30 days)').optional(),
    body: z.record(z.string(), z.unknown()).describe('the message body (any JSON object); never logged')
  })
)

export const peerFields = named(
  'PeerFields',
  peerFieldsSchema,
  'Editable fields of a trust record; absent fields keep their value (or the default for a new peer).'
)
export const peerInput = named('PeerInput', peerFieldsSchema.extend({ peerId, name: z.string().min(1).max(128) }))
export const policyCheckInput = named(
  'PolicyCheckInput',
  z.strictObject({
    to: peerId,
    tlp,
    topic: z.string().min(1).max(MAX_SLUG_LENGTH),
    kind,
    legalBasis: z.string().min(1).max(MAX_LEGAL_BASIS_LENGTH),
    handling: z.array(handlingCode).max(32)
  })
)

// ---- responses ---------------------------------------------------------------------------

export const health = named(
  'Health',
  z.object({
    status: z.enum(['ready', 'not-ready']),
    peerId,
    name: z.string().describe('agency name from the config'),
    running: z.boolean().describe('true when answered by a running node'),
    connected: z.array(peerId).describe('peers with an open connection').optional()
  })
)

export const recipientOutcome = named(
  'RecipientOutcome',
  z.object({
    peerId,
    status: z.enum(['queued', 'refused', 'delivered', 'rejected', 'expired', 'cancelled', 'pending']),
    reason: errorCode.optional(),
    detail: z.string().describe('with reason PEER_UNREACHABLE: the addresses tried and the error of the last attempt (the message stays queued)').optional()
  })
)
export const sendResult = named('SendResult', z.object({ id: uuid, digest, recipients: z.array(recipientOutcome) }))

export const messageMeta = named(
  'MessageMeta',
  z.object({
    digest,
    id: uuid,
    payloadType: z.string().describe('absent for plain messages; set for forwards and release requests/grants').optional(),
    direction: z.enum(['in', 'out']),
    from: peerId,
    to: z.array(peerId),
    kind,
    tlp,
    topic: z.string(),
    legalBasis: z.string(),
    handling: z.array(z.string()),
    created: instant,
    expires: instant,
    inReplyTo: uuid.optional(),
    storedAt: epochMs,
    original: z.object({ digest, id: uuid, from: peerId }).describe('for a forward: the original message inside it').optional(),
    purgedAt: epochMs.optional(),
    taskForce: z.object({ id: uuid, charter: digest }).describe('the task force charter version the message was sent under (PROTOCOL.md §21.5)').optional()
  })
)

export const deliveryRecord = named(
  'DeliveryRecord',
  z.object({
    digest,
    messageId: uuid,
    recipient: peerId,
    status: z.enum(['pending', 'delivered', 'rejected', 'expired', 'cancelled']),
    seq: z.number().int().describe('queue position'),
    attempts: z.number().int(),
    queuedAt: epochMs,
    updatedAt: epochMs,
    expires: instant,
    reason: errorCode.optional(),
    receiptDigest: digest.optional(),
    sentAt: epochMs.describe("when the message was first written to the recipient's stream").optional()
  })
)

export const messageView = named(
  'MessageView',
  z.object({
    meta: messageMeta,
    envelope: z.base64().describe('base64 of the envelope bytes exactly as signed or received (with ?envelope=true, until purged)').optional(),
    receipts: z.array(z.object({ by: peerId, envelope: z.base64().describe('base64 of the signed receipt envelope') })),
    deliveries: z.array(deliveryRecord).describe('outbound messages: delivery state per recipient').optional()
  })
)

export const agreement = named('Agreement', z.object({ id: z.string(), validFrom: instant, validUntil: instant }))

export const peerRecord = named(
  'PeerRecord',
  z.object({
    peerId,
    name: z.string(),
    addresses: z.array(z.string().describe('multiaddr')),
    status: z.enum(['active', 'suspended', 'revoked']),
    jurisdiction: z.string().describe('ISO 3166-1 alpha-2').optional(),
    agreements: z.array(agreement),
    maxTlpOut: tlp,
    maxTlpIn: tlp,
    topicsOut: z.array(z.string()),
    topicsIn: z.array(z.string()),
    kinds: z.array(kind),
    note: z.string().optional(),
    keyHistory: z.array(z.object({
      peerId,
      validFrom: instant,
      validUntil: instant.optional(),
      revokedAt: instant.optional(),
      revocation: digest.describe('digest of the revocation certificate applied to this key').optional(),
      courier: peerId.describe("peer ID of this key's courier: admitted for the revocation protocol only (PROTOCOL.md §9.1)").optional()
    })),
    autoApproveRotation: z.boolean().optional(),
    query: z.object({ types: z.array(z.string()), quotaPerDay: z.number().int(), maxPerQuery: z.number().int() }).describe(
      'what this peer may ask this node in hit/no-hit queries (PROTOCOL.md §19); absent: nothing'
    ).optional(),
    oprfKey: z.object({ publicKey: z.string(), keyId: z.string() }).describe("the peer's OPRF key from its trust card (PROTOCOL.md §19.2)").optional(),
    addedAt: instant,
    updatedAt: instant
  })
)

export const addPeerResult = named(
  'AddPeerResult',
  z.object({ record: peerRecord, fingerprint: z.string().describe('key fingerprint to confirm out of band (XXXX-XXXX-XXXX-XXXX-XXXX-XXXX)').optional() })
)
export const peerStatusChange = named(
  'PeerStatusChange',
  z.object({ record: peerRecord, cancelled: z.array(deliveryRecord).describe('deliveries cancelled by a revocation') })
)
export const nodePolicy = named('NodePolicy', nodePolicySchema, 'The node policy in force (DIR/policy.json with defaults applied).')

const check = named('Check', z.object({ name: z.string(), ok: z.boolean(), reason: errorCode, detail: z.string() }))
export const decision = named(
  'Decision',
  z.object({ decision: z.enum(['accept', 'reject']), reason: errorCode.optional(), detail: z.string().optional(), checks: z.array(check) })
)

const trustCard = named(
  'TrustCard',
  z.object({
    v: z.literal(1),
    peerId,
    name: z.string(),
    jurisdiction: z.string().optional(),
    addresses: z.array(z.string()),
    created: instant,
    courier: peerId.describe("peer ID of the courier key that may deliver the node's revocation certificate (PROTOCOL.md §9.1)").optional(),
    oprfKey: z.object({ publicKey: z.string(), keyId: z.string() }).describe("the node's OPRF key for hit/no-hit queries (PROTOCOL.md §19.2)").optional()
  }),
  'The payload of a trust card (protocol/card.ts).'
)

export const cardExport = named(
  'CardExport',
  z.object({
    envelope: z.string().describe('the self-signed trust card: a DSSE envelope (JSON text)'),
    fingerprint: z.string().describe("fingerprint of this node's key"),
    card: trustCard
  })
)

export const cardInspection = named(
  'CardInspection',
  z.object({
    card: trustCard,
    fingerprint: z.string().describe("fingerprint of the card's identity key: compare it with the agency over a separate channel"),
    signature: z.literal('valid').describe("the card's self-signature verified under the key of card.peerId (a card that does not is refused, 422)"),
    keys: z.array(z.object({
      role: z.enum(['identity', 'courier', 'oprf']),
      id: z.string().describe('peer ID (Ed25519 keys) or key id (the OPRF key)'),
      fingerprint: z.string().describe('Ed25519 keys: the fingerprint of the key').optional()
    })).describe('every key the card introduces'),
    known: z.object({ name: z.string(), status: z.enum(['active', 'suspended', 'revoked']) }).describe(
      'the trust record of this peer ID, when it is on the trust list already'
    ).optional()
  }),
  'What a trust card says, its self-signature checked; nothing is added.'
)

export const ownRotation = named(
  'OwnRotation',
  z.object({ id: uuid, oldPeerId: peerId, newPeerId: peerId, created: instant, statementDigest: digest, announcedTo: z.array(peerId) })
)
export const peerRotation = named(
  'PeerRotation',
  z.object({
    oldPeerId: peerId,
    newPeerId: peerId,
    id: uuid,
    created: instant,
    statementDigest: digest,
    status: z.enum(['pending', 'applied']),
    updatedAt: epochMs,
    courier: peerId.describe("the new key's courier, when the statement names one").optional()
  })
)
export const keyStatus = named(
  'KeyStatus',
  z.object({
    rotation: ownRotation.optional(),
    waiting: z.array(peerId).describe("peers whose receipt for this node's rotation statement has not arrived yet (receipt, not approval)"),
    peers: z.array(z.object({
      peerId,
      name: z.string().optional(),
      announced: instant,
      received: instant.nullable().describe("when the peer's signed receipt for the statement arrived; null while pending"),
      answer: z.enum(['pending', 'accepted', 'rejected', 'expired', 'cancelled']),
      reason: z.string().optional(),
      approved: instant.nullable().describe('when the peer applied the rotation, from its signed approval notice (PROTOCOL.md §9.2); null until one arrives')
    })).describe("what each peer did with this node's rotation"),
    peerRotations: z.array(peerRotation).describe('rotations announced by peers')
  })
)

export const witnessOutcome = named('WitnessOutcome', z.object({ peerId, status: z.enum(['cosigned', 'alert', 'failed']), detail: z.string().optional() }))
export const witnesses = named(
  'Witnesses',
  z.object({
    seen: z.array(z.object({ peerId, size: z.number().int(), root: z.string(), note: z.string(), time: z.number().int(), cosignedAt: z.number().int() }))
      .describe('the latest checkpoint of each peer, as cosigned'),
    alerts: z.array(
      z.object({
        seq: z.number().int(),
        peerId,
        at: z.number().int(),
        reason: z.enum(['FORK', 'ROLLBACK', 'SPLIT_VIEW']),
        detail: z.string(),
        previous: z.string(),
        presented: z.string(),
        reportedBy: peerId.describe('SPLIT_VIEW: the witness whose cosigned checkpoint `presented` is').optional()
      })
    ).describe('inconsistencies caught, with both checkpoints as evidence')
  })
)

export const releaseRecord = named(
  'ReleaseRecord',
  z.object({
    requestId: uuid,
    direction: z.enum(['in', 'out']).describe('in: asked of this node (the originator); out: asked by it'),
    status: z.enum(['pending', 'granted', 'denied']),
    messageDigest: digest,
    messageId: uuid,
    forwarder: peerId,
    originator: peerId,
    recipient: peerId,
    reason: z.string(),
    requestDigest: digest,
    grantDigest: digest.optional(),
    grantExpires: instant.optional(),
    updatedAt: epochMs
  })
)
