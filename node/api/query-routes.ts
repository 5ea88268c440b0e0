/**
 * Local API routes of hit/no-hit queries (PROTOCOL.md §19), registered on the running node's
 * API server (this branch predates node/api/routes/, so they are added through
 * `ApiServer.route` from liaison-node.ts):
 *
 * - `POST /v1/queries` `{ to, type, selectors, legalBasis, purpose, region? }` → per selector
 *   hit or no-hit and a hit reference;
 * - `POST /v1/queries/follow-up` `{ hitRef, reason }` → sends the answering node an `rfi`
 *   message (topic `query-follow-up`) carrying the type, selector and hit reference;
 * - `DELETE /v1/queries/pins/{peer}` → forgets the OPRF key pinned at first use for a peer
 *   (after its key rotation was confirmed out of band);
 * - `GET /v1/queries/pending` → on the answering side, received follow-ups not yet answered
 *   (no sent message has `inReplyTo` their id) with the local reference of the record each one
 *   names (or null if it is no longer indexed).
 *
 * @module
 */
import { decodeEnvelope } from '../../protocol/envelope.ts'
import { hitTag, indexOutput } from '../../protocol/query/index.ts'
import { NodeError } from '../errors.ts'
import type { QueryExchange } from '../query/exchange.ts'
import type { LocalService } from '../service.ts'
import type { ApiServer } from './server.ts'

/** The topic of follow-up `rfi` messages. */
export const FOLLOW_UP_TOPIC = 'query-follow-up'

function str (body: Record<string, unknown>, field: string, max = 1024): string {
  const v = body[field]
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new NodeError('BAD_ARGUMENT', `${field}: a non-empty string of at most ${max} characters is required`)
  return v
}

function record (value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new NodeError('BAD_ARGUMENT', 'the request body must be a JSON object')
  return value as Record<string, unknown>
}

export function registerQueryRoutes (api: ApiServer, query: QueryExchange, service: LocalService): void {
  api.route('POST', /^\/v1\/queries$/, async ({ body }) => {
    const b = record(await body())
    const selectors = b.selectors
    if (!Array.isArray(selectors) || !selectors.every(s => typeof s === 'string')) throw new NodeError('BAD_ARGUMENT', 'selectors: an array of strings is required')
    return await query.ask({
      to: str(b, 'to'), type: str(b, 'type', 32), selectors: selectors as string[], legalBasis: str(b, 'legalBasis', 128), purpose: str(b, 'purpose', 512),
      ...(typeof b.region === 'string' ? { region: b.region } : {})
    })
  })

  api.route('POST', /^\/v1\/queries\/follow-up$/, async ({ body }) => {
    const b = record(await body())
    const hitRef = str(b, 'hitRef', 64)
    const reason = str(b, 'reason', 2000)
    const found = await query.findHit(hitRef)
    if (found === undefined) throw new NodeError('NOT_FOUND', 'no hit with this reference in this node\'s query records')
    const { record: q, canonical } = found
    return await service.send({
      to: [q.to], kind: 'rfi', tlp: 'AMBER', topic: FOLLOW_UP_TOPIC, legalBasis: q.legalBasis,
      body: { queryFollowUp: { queryId: q.queryId, type: q.type, selector: canonical, hitRef, reason, purpose: q.purpose } }
    }, { wait: true })
  })

  api.route('DELETE', /^\/v1\/queries\/pins\/([^/]+)$/, async ({ params }) => await query.unpin(params[0]))

  api.route('GET', /^\/v1\/queries\/pending$/, async () => {
    // Answered (a sent message in reply to it, a `response` or a refusal) is no longer pending.
    const answered = new Set((await service.sent({})).map(m => m.inReplyTo).filter(id => id !== undefined))
    const inbox = (await service.inbox({})).filter(m => m.kind === 'rfi' && m.topic === FOLLOW_UP_TOPIC && !answered.has(m.id))
    const out: unknown[] = []
    for (const meta of inbox) {
      const view = await service.message(meta.digest, { envelope: true })
      if (view.envelope === undefined) continue
      const payload = JSON.parse(new TextDecoder().decode(decodeEnvelope(Buffer.from(view.envelope, 'base64')).payload)) as { body?: { queryFollowUp?: Record<string, unknown> } }
      const f = payload.body?.queryFollowUp
      if (f === undefined || typeof f.type !== 'string' || typeof f.selector !== 'string') continue
      const type = f.type
      const selector = f.selector
      // The hit reference is recomputed, not trusted: the record it names, under the current key.
      const local = await query.withIndex(async (index) => {
        const output = indexOutput(index.keys, type, selector)
        if (hitTag(meta.from, type, output) !== f.hitRef) return null
        return (await index.lookupOutput(type, output))?.ref ?? null
      })
      out.push({ message: meta.digest, messageId: meta.id, from: meta.from, received: meta.created, queryId: f.queryId, type, selector, hitRef: f.hitRef, reason: f.reason, localRef: local })
    }
    return out
  })
}
