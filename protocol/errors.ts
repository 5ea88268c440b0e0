/**
 * The one catalogue of stable reason codes. A code is a contract: receipts, the CLI, the local
 * API, logs and the audit log all carry these strings. Messages may change; codes may not.
 * Every code here is documented in PROTOCOL.md (a test checks it).
 *
 * @module
 */

/** Code → one-line meaning. Ordered by where in the receive pipeline the check happens. */
export const REASON_CODES = {
  // framing and envelope
  BAD_FRAME: 'The frame is malformed (bad varint length prefix, truncated, or empty).',
  TOO_LARGE: 'A frame, payload or document exceeds its documented size limit.',
  BAD_ENVELOPE: 'The bytes are not a well-formed DSSE v1 envelope (JSON, fields, base64).',
  BAD_PAYLOAD_TYPE: 'The payloadType is not one this endpoint accepts here.',
  SCHEMA_INVALID: 'The payload does not conform to its schema (fields, types, formats, depth).',
  STIX_INVALID: 'A message body that is a STIX 2.1 bundle does not validate against the OASIS STIX 2.1 schemas.',
  MARKING_CONFLICT: "An object of the STIX bundle carries a TLP marking more restrictive than the message's TLP.",
  // signatures and identity
  BAD_SIGNATURE: 'No signature verifies under the expected public key.',
  UNKNOWN_SIGNER: 'The signer is not on the trust list.',
  UNKNOWN_ORIGINATOR: "A forwarded message's originator is not on the receiver's trust list, so its signature cannot be checked.",
  UNKNOWN_PEER: 'The recipient is not on the trust list.',
  SIGNER_MISMATCH: 'The signer differs from the authenticated peer or the `from` field.',
  BAD_KEY: 'A public key is malformed, small-order or non-canonical.',
  BAD_PEER_ID: 'A peer ID is malformed or is not an Ed25519 identity peer ID.',
  // freshness and addressing
  REPLAY: 'A message with this id from this sender was already accepted with another digest.',
  EXPIRED: 'The message has expired.',
  CLOCK_SKEW: 'The message was created too far in the future (beyond the allowed skew).',
  NOT_ADDRESSED: 'This node is not among the recipients.',
  STALE_UPDATE: 'An address update no newer than the one already applied for this peer (an old update replayed).',
  // policy
  TLP_NOT_PERMITTED: 'The TLP label exceeds what policy allows for this peer and direction.',
  TOPIC_NOT_PERMITTED: 'The topic is not allowed for this peer and direction.',
  KIND_NOT_PERMITTED: 'The message kind is not allowed for this peer.',
  HANDLING_REQUIRED: 'A handling code required by policy for this topic is missing.',
  PEER_SUSPENDED: 'The peer is suspended.',
  PEER_REVOKED: 'The peer is revoked.',
  AGREEMENT_INVALID: 'No agreement with this id is valid now for this peer.',
  FORWARD_NOT_PERMITTED: 'Forwarding is not allowed without a valid release grant (or at all for RED).',
  TASKFORCE_NOT_PERMITTED:
    'The message names a task force charter that is not the one in effect on this node, or does not fit it (member, topic, TLP, legal basis, handling, ' +
    'validity).',
  // hit/no-hit queries (PROTOCOL.md §19)
  QUERY_NOT_PERMITTED: 'This peer may not send hit/no-hit queries to this node.',
  SELECTOR_TYPE_NOT_PERMITTED: 'This peer may not query this selector type.',
  QUOTA_EXCEEDED: 'The query exceeds the per-query maximum or the daily quota of selectors for this peer.',
  BAD_PROOF: "A query answer's VOPRF proof does not hold under the answering node's pinned OPRF key.",
  FILTER_STALE:
    'A hit filter update does not apply to the filter this node holds for the peer (replayed, out of order, for another key, or inconsistent in size); ' +
    'nothing was applied or reported.',
  // node conditions
  STORAGE_FULL: 'The node cannot store the message (disk full or storage error); nothing was acknowledged.',
  UNAVAILABLE: 'The peer is shutting down, not ready, or did not answer in time; the sender retries.',
  INTERNAL: 'An unexpected internal error; the message was not stored.'
} as const satisfies Record<string, string>

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
