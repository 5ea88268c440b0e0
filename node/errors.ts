/**
 * Errors of the running node, the CLI and the local API. Each has a stable `code`; the API
 * answers `{ "error": { "code", "message" } }` with the same codes the CLI prints. Protocol
 * reason codes (protocol/errors.ts) pass through unchanged.
 *
 * @module
 */
import { ProtocolError, type REASON_CODES } from '../protocol/errors.ts'

export const NODE_ERROR_CODES = {
  BAD_ARGUMENT: 'A command-line argument or API request field is missing or invalid.',
  CONFIG_INVALID: 'The configuration file does not match its schema.',
  NOT_INITIALISED: 'The data directory holds no identity; run `liaison init` first.',
  ALREADY_INITIALISED: 'The data directory already holds an identity; it is never overwritten.',
  DATA_DIR_IN_USE: 'Another process (a running node) holds the data directory.',
  NODE_NOT_RUNNING: 'The command needs a running node.',
  NOT_FOUND: 'No such message, peer or record.',
  PEER_EXISTS: 'The peer is already on the trust list.',
  UNAUTHORIZED: 'The local API token is missing or wrong.',
  RECIPIENT_REFUSED: 'Policy refused the message for one or more recipients.',
  TIMEOUT: 'The operation did not complete in time.',
  KEY_ROTATED: "A delivery to a peer's old identity was moved to its new identity after a key rotation.",
  PEER_UNREACHABLE:
    'The peer could not be dialled at any address on the trust list; the message stays queued and is retried. The error names the addresses tried.',
  NODE_MISMATCH: 'The audit record (data directory or bundle) is not the one of the node the auditor expected (`--expect-node`).',
  BUILD_STALE: 'The compiled build in dist/ was made from other sources than the checkout holds; run `npm run build` (or `npm ci`).',
  REPORT_INVALID: 'The file is not a cooperation report (JSON, signed or HTML), or its signature envelope is malformed.',
  REPORT_MISMATCH: 'A recomputed cooperation report differs from the one given (a figure, the query, or the checkpoint root).',
  BAD_SELECTOR: 'A selector cannot be normalised as its type (the message never repeats the value).',
  KIT_INVALID: 'The revocation kit file does not match its format (PROTOCOL.md §9.1), or its courier seed does not match its courier peer ID.',
  NOT_DELIVERED: "`liaison keys revoke`: the certificate did not reach every peer the kit lists (each peer's outcome is printed).",
  OPRF_KEY_CHANGED:
    'The peer answers queries under another OPRF key than the one pinned for it; nothing was evaluated until the new key is confirmed and pinned.',
  TASKFORCE_STATE:
    "The task force is not in a state that allows this: nothing awaits this node's signature, it already signed, it is not a member, or the task force is " +
    'dissolved.'
} as const

export type NodeErrorCode = keyof typeof NODE_ERROR_CODES
export type ErrorCode = NodeErrorCode | keyof typeof REASON_CODES

export class NodeError extends Error {
  readonly code: ErrorCode
  readonly details?: unknown

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown, details?: unknown }) {
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
