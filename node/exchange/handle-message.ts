/**
 * Inbound message v1: schema, header checks, then the receiving side of policy.
 *
 * @module
 */
import { parseMessage } from '../../protocol/message.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import type { MessageV1 } from '../../protocol/types.ts'
import { decide } from '../policy/index.ts'
import { metaOf } from '../store/index.ts'
import { checkEnvelopeHeader, refuse, type Admission, type Incoming } from './admission.ts'

export function handleMessage (incoming: Incoming): Admission {
  let msg: MessageV1
  try {
    msg = parseMessage(incoming.env.payload, { maxBytes: incoming.policy.maxMessageBytes })
  } catch (err) {
    return refuse(err instanceof ProtocolError ? err.code : 'SCHEMA_INVALID')
  }
  const header = checkEnvelopeHeader(msg, incoming)
  if (header != null) return header
  const verdict = decide(incoming.policy, incoming.trust.get(incoming.remote), msg, 'in', incoming.nowMs)
  if (verdict.decision === 'reject') return refuse(verdict.reason, msg.id, verdict.detail)
  return { ok: true, meta: metaOf(msg, incoming.digest, 'in', incoming.nowMs), ops: [], events: [] }
}
