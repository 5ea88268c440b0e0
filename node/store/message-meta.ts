/**
 * The index record of a message, derived from its parsed payload.
 *
 * @module
 */
import type { MessageV1 } from '../../protocol/types.ts'
import type { MessageMeta } from './records.ts'

export function metaOf (msg: MessageV1, digest: string, direction: 'in' | 'out', storedAt: number): MessageMeta {
  const meta: MessageMeta = {
    digest,
    id: msg.id,
    direction,
    from: msg.from,
    to: msg.to,
    kind: msg.kind,
    tlp: msg.tlp,
    topic: msg.topic,
    legalBasis: msg.legalBasis,
    handling: msg.handling,
    created: msg.created,
    expires: msg.expires,
    storedAt
  }
  if (msg.inReplyTo != null) meta.inReplyTo = msg.inReplyTo
  if (msg.taskForce != null) meta.taskForce = { ...msg.taskForce }
  return meta
}
