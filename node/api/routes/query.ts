/**
 * Routes of hit/no-hit queries (PROTOCOL.md §19), in the route table; they need the running
 * node's query exchange (`query` in the route context):
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
 * - `GET /v1/queries/index` → this node's own index: records per selector type, the selector
 *   types there are, its OPRF key (as `liaison index list`); the console's hit/no-hit page.
 * - `POST /v1/queries/index/rotate-key` → rotates the running node's OPRF key and re-keys the
 *   index (PROTOCOL.md §19.2), audited `query.key-rotated` with reason `operator`
 *   (`liaison index rotate-key` on a running node).
 *
 * @module
 */
import { decodeEnvelope } from '../../../protocol/envelope.ts'
import { hitTag, indexOutput } from '../../../protocol/query/index.ts'
import { SELECTOR_TYPE_NAMES } from '../../../protocol/selectors/index.ts'
import { z } from 'zod'
import { NodeError } from '../../errors.ts'
import type { QueryExchange } from '../../query/exchange.ts'
import { defineRoute, type Route } from '../route.ts'
import { digest, noBody, peerId, uuid } from '../schemas.ts'

/** The topic of follow-up `rfi` messages. */
export const FOLLOW_UP_TOPIC = 'query-follow-up'

function exchange (query: QueryExchange | undefined): QueryExchange {
  if (query == null) throw new NodeError('NODE_NOT_RUNNING', 'hit/no-hit queries need a running node')
  return query
}

const outcome = z.object({
  queryId: uuid,
  queryDigest: z.string(),
  to: peerId,
  type: z.string(),
  count: z.number().int(),
  hits: z.number().int(),
  keyId: z.string(),
  results: z.array(z.object({ index: z.number().int(), result: z.enum(['hit', 'no-hit']), hitRef: z.string().nullable() })),
  keyChange: z.object({ previousKeyId: z.string(), keyId: z.string(), epoch: z.number().int(), notice: digest })
    .describe("the peer's OPRF key changed: its signed key notice came with this answer, was verified and the new key pinned (PROTOCOL.md §19.9)").optional()
})

export const queryRoutes: Route[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/queries',
    operationId: 'query',
    summary: 'Ask a peer hit or no-hit for selectors of one type (blinded: the peer never sees them)',
    tags: ['queries'],
    body: z.strictObject({
      to: peerId,
      type: z.string().min(1).max(32).describe('selector type (PROTOCOL.md §19.1)'),
      selectors: z.array(z.string().min(1).max(1024)).min(1).max(1000),
      legalBasis: z.string().min(1).max(128),
      purpose: z.string().min(1).max(512),
      region: z.string().regex(/^[A-Za-z]{2}$/).describe('default region for national phone numbers').optional()
    }),
    response: outcome,
    errors: [400, 404, 409, 422, 504],
    handler: async ({ queries, body }) =>
      await exchange(queries).ask({
        to: body.to,
        type: body.type,
        selectors: body.selectors,
        legalBasis: body.legalBasis,
        purpose: body.purpose,
        ...(body.region != null ? { region: body.region } : {})
      })
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/queries/follow-up',
    operationId: 'queryFollowUp',
    summary: 'Follow a hit up: send the answering node an rfi carrying the selector and hit reference',
    tags: ['queries'],
    body: z.strictObject({ hitRef: z.string().min(1).max(64), reason: z.string().min(1).max(2000) }),
    response: z.object({ id: uuid, digest, recipients: z.array(z.object({ peerId, status: z.string() }).loose()) }).loose(),
    errors: [400, 404, 409, 422, 504],
    handler: async ({ queries, service, body }) => {
      const found = await exchange(queries).findHit(body.hitRef)
      if (found === undefined) throw new NodeError('NOT_FOUND', "no hit with this reference in this node's query records")
      const { record: q, canonical } = found
      return await service.send({
        to: [q.to],
        kind: 'rfi',
        tlp: 'AMBER',
        topic: FOLLOW_UP_TOPIC,
        legalBasis: q.legalBasis,
        handling: [],
        body: { queryFollowUp: { queryId: q.queryId, type: q.type, selector: canonical, hitRef: body.hitRef, reason: body.reason, purpose: q.purpose } }
      }, { wait: true })
    }
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/queries/pins/{peerId}',
    operationId: 'queryUnpin',
    summary: 'Forget the OPRF key pinned at first use for a peer (after its key rotation was confirmed out of band)',
    tags: ['queries'],
    params: z.strictObject({ peerId }),
    response: z.object({ unpinned: peerId }),
    errors: [400, 404, 409],
    handler: async ({ queries, params }) => await exchange(queries).unpin(params.peerId)
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/queries/pending',
    operationId: 'queryPending',
    summary: 'Received follow-ups not yet answered, with the local reference of the record each names',
    tags: ['queries'],
    response: z.array(
      z.object({
        message: digest,
        messageId: uuid,
        from: peerId,
        received: z.string(),
        queryId: z.unknown(),
        type: z.string(),
        selector: z.string(),
        hitRef: z.unknown(),
        reason: z.unknown(),
        localRef: z.string().nullable(),
        legalBasis: z.string().describe("the rfi's legal basis, for the response in reply to it")
      })
    ),
    errors: [409],
    handler: async ({ queries, service }) => {
      const q = exchange(queries)
      // Answered (a sent message in reply to it, a `response` or a refusal) is no longer pending.
      const answered = new Set((await service.sent({})).map(m => m.inReplyTo).filter(id => id !== undefined))
      const inbox = (await service.inbox({})).filter(m => m.kind === 'rfi' && m.topic === FOLLOW_UP_TOPIC && !answered.has(m.id))
      const out: unknown[] = []
      for (const meta of inbox) {
        const view = await service.message(meta.digest, { envelope: true })
        if (view.envelope === undefined) continue
        const payload = JSON.parse(new TextDecoder().decode(decodeEnvelope(Buffer.from(view.envelope, 'base64')).payload)) as {
          body?: { queryFollowUp?: Record<string, unknown> }
        }
        const f = payload.body?.queryFollowUp
        if (f === undefined || typeof f.type !== 'string' || typeof f.selector !== 'string') continue
        const type = f.type
        const selector = f.selector
        // The hit reference is recomputed, not trusted: the record it names, under the current key.
        const local = await q.withIndex(async (index) => {
          const output = indexOutput(index.keys, type, selector)
          if (hitTag(meta.from, type, output) !== f.hitRef) return null
          return (await index.lookupOutput(type, output))?.ref ?? null
        })
        out.push({
          message: meta.digest,
          messageId: meta.id,
          from: meta.from,
          received: meta.created,
          queryId: f.queryId,
          type,
          selector,
          hitRef: f.hitRef,
          reason: f.reason,
          localRef: local,
          legalBasis: meta.legalBasis
        })
      }
      return out
    }
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/queries/index',
    operationId: 'queryIndex',
    summary: "This node's hit/no-hit index: records per selector type and its OPRF key (as `liaison index list`)",
    tags: ['queries'],
    response: z.object({
      types: z.record(z.string(), z.number().int()).describe('indexed records per selector type'),
      selectorTypes: z.array(z.string()).describe('every selector type there is (PROTOCOL.md §19.1)'),
      oprfKey: z.object({ epoch: z.number().int(), publicKey: z.string(), keyId: z.string(), created: z.string() })
    }),
    errors: [409],
    handler: async ({ queries }) =>
      await exchange(queries).withIndex(async (index) => ({ types: await index.stats(), selectorTypes: SELECTOR_TYPE_NAMES, oprfKey: index.publicKey() }))
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/queries/index/rotate-key',
    operationId: 'queryRotateKey',
    summary: "Rotate this node's OPRF key now and re-key its index (audited; peers accept the new key from its signed notice)",
    description: 'PROTOCOL.md §19.2 and §19.9. Answers wait while the index is re-keyed; every peer gets a full filter under the new key at its next query.',
    tags: ['queries'],
    body: noBody,
    response: z.object({ epoch: z.number().int(), keyId: z.string(), previousKeyId: z.string(), records: z.number().int() }),
    errors: [409],
    handler: async ({ queries }) => await exchange(queries).rotateOprfKey('operator')
  })
]
