/**
 * Task force notice v1 (`application/vnd.liaison.taskforce-notice.v1+json`, PROTOCOL.md §21.4):
 * how charters travel between members on the exchange protocol. Signed by its sender like any
 * envelope; the charters inside carry their own member signatures.
 *
 * { v, id, from, to, created, expires, action: propose | sign | decline, taskForce (the task
 * force id), charter (digest of the version the notice is about), chain (propose and sign: the
 * charter envelopes of versions 1..n as base64, the last one the version named by `charter`,
 * each with every signature the sender holds; decline: empty), reason? (1..1000) }.
 *
 * @module
 */
import { encodeBase64, tryDecodeBase64 } from '../base64.ts'
import { compactJson } from '../json.ts'
import { MAX_MESSAGE_PAYLOAD_BYTES, MAX_RECIPIENTS } from '../limits.ts'
import { isPeerId } from '../peer-id.ts'
import { bad, digestField, invalid, parsePayload, peerIdField, stringField, timeField, uuidField, versionedObject } from '../schema-kit.ts'
import { MAX_CHARTER_VERSIONS } from './charter.ts'

export const NOTICE_ACTIONS = ['propose', 'sign', 'decline'] as const
export type NoticeAction = typeof NOTICE_ACTIONS[number]

/** Largest notice payload: the whole chain of a long-lived task force fits. */
export const MAX_NOTICE_BYTES = MAX_MESSAGE_PAYLOAD_BYTES

export interface TaskForceNoticeV1 {
  v: 1
  id: string
  from: string
  to: string[]
  created: string
  expires: string
  action: NoticeAction
  taskForce: string
  charter: string
  /** Charter envelopes (their exact bytes), version 1 first. */
  chain: Uint8Array[]
  reason?: string
}

const KEYS: ReadonlySet<string> = new Set(['v', 'id', 'from', 'to', 'created', 'expires', 'action', 'taskForce', 'charter', 'chain', 'reason'])

export function validateNotice (value: unknown, chainAsBase64 = false): TaskForceNoticeV1 {
  const o = versionedObject(value, KEYS, 'task force notice')
  const action = o.action
  if (typeof action !== 'string' || !(NOTICE_ACTIONS as readonly string[]).includes(action)) {
    bad('action', action, `must be one of ${NOTICE_ACTIONS.join(', ')}`)
  }
  const to = o.to
  if (!Array.isArray(to) || to.length === 0 || to.length > MAX_RECIPIENTS) bad('to', to, `must list 1..${MAX_RECIPIENTS} peer IDs`)
  for (let i = 0; i < to.length; i++) if (!isPeerId(to[i])) invalid(`to[${i}] is not a peer ID`)
  if (new Set(to).size !== to.length) invalid('to repeats a recipient')
  const chain = o.chain
  if (!Array.isArray(chain) || chain.length > MAX_CHARTER_VERSIONS) bad('chain', chain, `must be an array of at most ${MAX_CHARTER_VERSIONS} charter envelopes`)
  if ((action === 'decline') !== (chain.length === 0)) {
    invalid(action === 'decline' ? 'a decline carries no chain' : `a ${action} notice carries the chain of charter envelopes`)
  }
  const envelopes = chain.map((e: unknown, i) => {
    if (!chainAsBase64) {
      if (!(e instanceof Uint8Array)) invalid(`chain[${i}] is not bytes`)
      return e
    }
    const bytes = typeof e === 'string' ? tryDecodeBase64(e) : undefined
    if (bytes === undefined) invalid(`chain[${i}] is not base64`)
    return bytes
  })
  const n: TaskForceNoticeV1 = {
    v: 1,
    id: uuidField(o, 'id'),
    from: peerIdField(o, 'from'),
    to: to.slice() as string[],
    created: timeField(o, 'created'),
    expires: timeField(o, 'expires'),
    action: action as NoticeAction,
    taskForce: uuidField(o, 'taskForce'),
    charter: digestField(o, 'charter'),
    chain: envelopes
  }
  if (o.reason !== undefined) n.reason = stringField(o, 'reason', 1000)
  if (Date.parse(n.expires) <= Date.parse(n.created)) invalid('expires must be after created')
  return n
}

export const parseNotice = (payload: Uint8Array): TaskForceNoticeV1 => validateNotice(parsePayload(payload, 'task force notice', MAX_NOTICE_BYTES), true)

export function encodeNotice (n: TaskForceNoticeV1): Uint8Array {
  const checked = validateNotice(n)
  return new TextEncoder().encode(compactJson({ ...checked, chain: checked.chain.map(encodeBase64) }))
}
