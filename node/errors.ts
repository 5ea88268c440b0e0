/**
 * Errors of the running node, the CLI and the local API. Each has a stable `code`; the API
 * answers `{ "error": { "code", "message", "details"? } }` with the same codes the CLI prints.
 * Protocol reason codes (protocol/errors.ts) pass through unchanged.
 *
 * Each code carries, next to its meaning, the HTTP status the API answers it with
 * (`httpStatus`); the codes that attach details say what shape in `ErrorDetails`, which the
 * NodeError constructor enforces.
 *
 * @module
 */
import { ProtocolError, REASON_CODES, type CodeEntry, type HttpStatus } from '../protocol/errors.ts'

export type { HttpStatus }

/** Code → HTTP status of the local API and one-line meaning. */
export const NODE_ERROR_CODES = {
  BAD_ARGUMENT: { status: 400, meaning: 'A command-line argument or API request field is missing or invalid.' },
  CONFIG_INVALID: { status: 422, meaning: 'The configuration file does not match its schema.' },
  NOT_INITIALISED: { status: 422, meaning: 'The data directory holds no identity; run `liaison init` first.' },
  ALREADY_INITIALISED: { status: 422, meaning: 'The data directory already holds an identity; it is never overwritten.' },
  DATA_DIR_IN_USE: { status: 422, meaning: 'Another process (a running node) holds the data directory.' },
  NODE_NOT_RUNNING: { status: 409, meaning: 'The command needs a running node.' },
  NOT_FOUND: { status: 404, meaning: 'No such message, peer or record.' },
  PEER_EXISTS: { status: 409, meaning: 'The peer is already on the trust list.' },
  UNAUTHORIZED: { status: 401, meaning: 'The local API token is missing or wrong.' },
  RECIPIENT_REFUSED: { status: 422, meaning: 'Policy refused the message for one or more recipients.' },
  TIMEOUT: { status: 504, meaning: 'The operation did not complete in time.' },
  KEY_ROTATED: { status: 422, meaning: "A delivery to a peer's old identity was moved to its new identity after a key rotation." },
  PEER_UNREACHABLE: {
    status: 504,
    meaning: 'The peer could not be dialled at any address on the trust list; the message stays queued and is retried. The error names the addresses tried.'
  },
  NODE_MISMATCH: { status: 422, meaning: 'The audit record (data directory or bundle) is not the one of the node the auditor expected (`--expect-node`).' },
  BUILD_STALE: { status: 422, meaning: 'The compiled build in dist/ was made from other sources than the checkout holds; run `npm run build` (or `npm ci`).' },
  REPORT_INVALID: { status: 422, meaning: 'The file is not a cooperation report (JSON, signed or HTML), or its signature envelope is malformed.' },
  REPORT_MISMATCH: { status: 422, meaning: 'A recomputed cooperation report differs from the one given (a figure, the query, or the checkpoint root).' },
  BAD_SELECTOR: { status: 422, meaning: 'A selector cannot be normalised as its type (the message never repeats the value).' },
  KIT_INVALID: {
    status: 422,
    meaning: 'The revocation kit file does not match its format (PROTOCOL.md §9.1), or its courier seed does not match its courier peer ID.'
  },
  NOT_DELIVERED: { status: 422, meaning: "`liaison keys revoke`: the certificate did not reach every peer the kit lists (each peer's outcome is printed)." },
  OPRF_KEY_CHANGED: {
    status: 422,
    meaning: 'The peer answers queries under another OPRF key than the one pinned for it; nothing was evaluated until the new key is confirmed and pinned.'
  },
  TASKFORCE_STATE: {
    status: 422,
    meaning:
      "The task force is not in a state that allows this: nothing awaits this node's signature, it already signed, it is not a member, or the task force is " +
      'dissolved.'
  }
} as const satisfies Record<string, CodeEntry>

export type NodeErrorCode = keyof typeof NODE_ERROR_CODES
export type ErrorCode = NodeErrorCode | keyof typeof REASON_CODES

/** The HTTP status the local API answers `code` with (500 for a string that is no code). */
export function httpStatus (code: ErrorCode): HttpStatus {
  const entry: CodeEntry | undefined = Object.hasOwn(NODE_ERROR_CODES, code)
    ? NODE_ERROR_CODES[code as NodeErrorCode]
    : Object.hasOwn(REASON_CODES, code)
    ? REASON_CODES[code as keyof typeof REASON_CODES]
    : undefined
  return entry?.status ?? 500
}

/** One offending field of an API request that failed validation (node/api/dispatch.ts). */
export interface ValidationIssue {
  in: 'path' | 'query' | 'body'
  /** RFC 6901 JSON Pointer within that part; '' for the part itself. */
  path: string
  problem: 'missing' | 'unknown' | 'invalid'
  message: string
}

/** A recipient's outcome as a refusal lists it (node/service.ts RecipientOutcome; feedback gives no status). */
export interface RecipientRefusal {
  peerId: string
  status?: string
  reason?: string
  detail?: string
}

/** A recipient that could not be dialled: the addresses tried (and, from the outbox, when and why it last failed). */
export interface UnreachablePeer {
  peerId: string
  addresses: string[]
  at?: number
  error?: string
}

/**
 * What `details` holds, per code that attaches any (the API passes it on as `error.details`).
 * A code not listed here has no details.
 */
export interface ErrorDetails {
  /** Request validation: one issue per offending field; a peer's fields: the problems found. */
  BAD_ARGUMENT: readonly ValidationIssue[] | readonly string[]
  /** Every problem found in the configuration or policy file. */
  CONFIG_INVALID: readonly string[]
  /** Each refused recipient with its reason code. */
  RECIPIENT_REFUSED: readonly RecipientRefusal[]
  /** A forward: each recipient refused (all of them for want of a release grant). */
  FORWARD_NOT_PERMITTED: readonly RecipientRefusal[]
  /** A task force message: each member refused and why. */
  TASKFORCE_NOT_PERMITTED: readonly RecipientRefusal[]
  /** A send: each recipient not reached in time; a query: the one peer and its addresses. */
  PEER_UNREACHABLE: readonly UnreachablePeer[] | { peerId: string, addresses: string[] }
}

/** What each code's details are, in words, for the API's documentation (`/openapi.json`, its Error schema). */
export const ERROR_DETAILS: { readonly [C in keyof ErrorDetails]: string } = {
  BAD_ARGUMENT: "ValidationIssue[] from request validation; the problems (strings) with a peer's fields",
  CONFIG_INVALID: 'the problems (strings) found in the configuration or policy file',
  RECIPIENT_REFUSED: 'per-recipient outcomes ({ peerId, status?, reason }), one per refused recipient',
  FORWARD_NOT_PERMITTED: 'per-recipient outcomes ({ peerId, status, reason }), one per refused recipient',
  TASKFORCE_NOT_PERMITTED: 'per-member outcomes ({ peerId, status, reason, detail }), one per refused member',
  PEER_UNREACHABLE: 'the peers not reached ({ peerId, addresses, at, error }[]); for a query, the peer ({ peerId, addresses })'
}

/** The details type of `C`; `never` (none allowed) for a code that attaches none. */
export type DetailsOf<C extends ErrorCode> = C extends keyof ErrorDetails ? ErrorDetails[C] : never

export class NodeError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C
  readonly details?: DetailsOf<C>

  constructor (code: C, message: string, options?: { cause?: unknown, details?: DetailsOf<C> }) {
    super(message, options)
    this.name = 'NodeError'
    this.code = code
    this.details = options?.details
  }
}

/** The stable code of any error, INTERNAL for unexpected ones. */
export function errorCode (err: unknown): ErrorCode {
  if (err instanceof NodeError || err instanceof ProtocolError) return err.code
  // The store is being reopened after a storage fault: a moment, not a bug.
  if ((err as { code?: unknown } | null)?.code === 'LEVEL_DATABASE_NOT_OPEN') return 'UNAVAILABLE'
  return 'INTERNAL'
}
