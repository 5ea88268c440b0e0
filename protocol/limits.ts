/**
 * Protocol limits: the one place their defaults live. PROTOCOL.md documents each.
 *
 * @module
 */

/** Largest message payload (the UTF-8 JSON bytes inside the envelope), default 1 MiB. */
export const MAX_MESSAGE_PAYLOAD_BYTES = 1024 * 1024

/** Largest payload of any other type (receipts, cards, grants, checkpoints). */
export const MAX_SMALL_PAYLOAD_BYTES = 64 * 1024

/** Largest forward payload: it carries a whole message envelope plus an optional grant. */
export const MAX_FORWARD_PAYLOAD_BYTES = 3 * 1024 * 1024

/** Largest frame on the wire (one envelope's JSON bytes). Checked before buffering. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024 + 64 * 1024

/** Most envelopes one exchange v2 batch may carry (protocol/batch.ts). */
export const MAX_BATCH_ENVELOPES = 1024

/** Deepest JSON nesting accepted in any document (objects and arrays both count). */
export const MAX_JSON_DEPTH = 32

/** Most signatures one envelope may carry. */
export const MAX_SIGNATURES = 4

/** Most recipients one message may name. */
export const MAX_RECIPIENTS = 64

/** Longest topic slug, legal basis id, handling code. */
export const MAX_SLUG_LENGTH = 64
export const MAX_LEGAL_BASIS_LENGTH = 128
