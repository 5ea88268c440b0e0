/**
 * The one catalogue of stable reason codes. A code is a contract: receipts, the CLI, the local
 * API, logs and the audit log all carry these strings. Messages may change; codes may not.
 * Every code here is documented in PROTOCOL.md (a test checks it).
 *
 * Next to each code stands the HTTP status the node's local API answers when a request fails
 * with it (node/api/server.ts reads it from here; there is no second table). The protocol has
 * no use for it; it sits here so that a code says everything about itself in one place.
 *
 * @module
 */

/** The HTTP statuses the local API answers errors with. */
export type HttpStatus = 400 | 401 | 404 | 409 | 413 | 422 | 500 | 503 | 504 | 507

/** One entry of an error catalogue: the local API's HTTP status and the code's one-line meaning. */
export interface CodeEntry {
  readonly status: HttpStatus
  readonly meaning: string
}

/** Code → HTTP status and one-line meaning. Ordered by where in the receive pipeline the check happens. */
export const REASON_CODES = {
  // framing and envelope
  BAD_FRAME: { status: 422, meaning: 'The frame is malformed (bad varint length prefix, truncated, or empty).' },
  TOO_LARGE: { status: 413, meaning: 'A frame, payload or document exceeds its documented size limit.' },
  BAD_ENVELOPE: { status: 422, meaning: 'The bytes are not a well-formed DSSE v1 envelope (JSON, fields, base64).' },
  BAD_PAYLOAD_TYPE: { status: 422, meaning: 'The payloadType is not one this endpoint accepts here.' },
  SCHEMA_INVALID: { status: 400, meaning: 'The payload does not conform to its schema (fields, types, formats, depth).' },
  STIX_INVALID: { status: 422, meaning: 'A message body that is a STIX 2.1 bundle does not validate against the OASIS STIX 2.1 schemas.' },
  MARKING_CONFLICT: { status: 422, meaning: "An object of the STIX bundle carries a TLP marking more restrictive than the message's TLP." },
  // signatures and identity
  BAD_SIGNATURE: { status: 422, meaning: 'No signature verifies under the expected public key.' },
  UNKNOWN_SIGNER: { status: 422, meaning: 'The signer is not on the trust list.' },
  UNKNOWN_ORIGINATOR: { status: 422, meaning: "A forwarded message's originator is not on the receiver's trust list, so its signature cannot be checked." },
  UNKNOWN_PEER: { status: 422, meaning: 'The recipient is not on the trust list.' },
  SIGNER_MISMATCH: { status: 422, meaning: 'The signer differs from the authenticated peer or the `from` field.' },
  BAD_KEY: { status: 400, meaning: 'A public key is malformed, small-order or non-canonical.' },
  BAD_PEER_ID: { status: 400, meaning: 'A peer ID is malformed or is not an Ed25519 identity peer ID.' },
  // freshness and addressing
  REPLAY: { status: 422, meaning: 'A message with this id from this sender was already accepted with another digest.' },
  EXPIRED: { status: 422, meaning: 'The message has expired.' },
  CLOCK_SKEW: { status: 422, meaning: 'The message was created too far in the future (beyond the allowed skew).' },
  NOT_ADDRESSED: { status: 422, meaning: 'This node is not among the recipients.' },
  STALE_UPDATE: { status: 422, meaning: 'An address update no newer than the one already applied for this peer (an old update replayed).' },
  // policy
  TLP_NOT_PERMITTED: { status: 422, meaning: 'The TLP label exceeds what policy allows for this peer and direction.' },
  TOPIC_NOT_PERMITTED: { status: 422, meaning: 'The topic is not allowed for this peer and direction.' },
  KIND_NOT_PERMITTED: { status: 422, meaning: 'The message kind is not allowed for this peer.' },
  HANDLING_REQUIRED: { status: 422, meaning: 'A handling code required by policy for this topic is missing.' },
  PEER_SUSPENDED: { status: 422, meaning: 'The peer is suspended.' },
  PEER_REVOKED: { status: 422, meaning: 'The peer is revoked.' },
  AGREEMENT_INVALID: { status: 422, meaning: 'No agreement with this id is valid now for this peer.' },
  FORWARD_NOT_PERMITTED: { status: 422, meaning: 'Forwarding is not allowed without a valid release grant (or at all for RED).' },
  TASKFORCE_NOT_PERMITTED: {
    status: 422,
    meaning:
      'The message names a task force charter that is not the one in effect on this node, or does not fit it (member, topic, TLP, legal basis, handling, ' +
      'validity).'
  },
  // hit/no-hit queries (PROTOCOL.md §19)
  QUERY_NOT_PERMITTED: { status: 422, meaning: 'This peer may not send hit/no-hit queries to this node.' },
  SELECTOR_TYPE_NOT_PERMITTED: { status: 422, meaning: 'This peer may not query this selector type.' },
  QUOTA_EXCEEDED: { status: 422, meaning: 'The query exceeds the per-query maximum or the daily quota of selectors for this peer.' },
  BAD_PROOF: { status: 422, meaning: "A query answer's VOPRF proof does not hold under the answering node's pinned OPRF key." },
  FILTER_STALE: {
    status: 422,
    meaning:
      'A hit filter update does not apply to the filter this node holds for the peer (replayed, out of order, for another key, or inconsistent in size); ' +
      'nothing was applied or reported.'
  },
  // node conditions
  STORAGE_FULL: { status: 507, meaning: 'The node cannot store the message (disk full or storage error); nothing was acknowledged.' },
  UNAVAILABLE: { status: 503, meaning: 'The peer is shutting down, not ready, or did not answer in time; the sender retries.' },
  INTERNAL: { status: 500, meaning: 'An unexpected internal error; the message was not stored.' }
} as const satisfies Record<string, CodeEntry>

export type ReasonCode = keyof typeof REASON_CODES

export function isReasonCode (value: unknown): value is ReasonCode {
  return typeof value === 'string' && Object.hasOwn(REASON_CODES, value)
}

/**
 * Thrown by protocol decoders for hostile or malformed input. Its `code` is a ReasonCode.
 * Caller bugs (wrong argument types) throw TypeError instead.
 */
export class ProtocolError extends Error {
  readonly code: ReasonCode

  constructor (code: ReasonCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProtocolError'
    this.code = code
  }
}
