/**
 * What the TAXII server keeps in the node's store: collections (mapped to the exchange),
 * client credentials (the secret's SHA-256 only; secrets are 256 random bits, printed once),
 * status resources of POST requests, the messages an outbound collection sent, and local
 * deletions.
 *
 * @module
 */
import type { MessageKind, Tlp } from '../../protocol/types.ts'

export type Access = 'r' | 'w' | 'rw'

export interface TaxiiClient {
  name: string
  /** Lowercase hex SHA-256 of the secret. */
  secretSha256: string
  /** Collection id → access. */
  collections: Record<string, Access>
  createdAt: string
}

export interface OutboundMapping {
  to: string[]
  /** Instead of `to`: every current member of this task force (PROTOCOL.md §21.5); `to` is then empty. */
  taskForce?: string
  topic: string
  tlp: Tlp
  legalBasis: string
  kind: MessageKind
}

export interface InboundFilter {
  from?: string
  topic?: string
  maxTlp?: Tlp
}

export interface TaxiiCollection {
  id: string
  title: string
  description?: string
  direction: 'outbound' | 'inbound'
  outbound?: OutboundMapping
  inbound?: InboundFilter
  createdAt: string
}

/** One object of a POST, and what became of it. */
export interface StatusEntry {
  id: string
  version: string
  /** The message that carries it, once signed. */
  digest?: string
  /** Recipients it was queued for. */
  recipients: string[]
  /** Failures known when the request was handled: `CODE: text`. */
  failures: string[]
}

export interface StatusRecord {
  id: string
  collection: string
  client: string
  requestTimestamp: string
  entries: StatusEntry[]
}
