/**
 * Routes of joint task forces (PROTOCOL.md §21, docs/taskforces.md), in the route table; they
 * need the node's task forces (`taskForces` in the route context):
 *
 * - `GET /v1/taskforces` → every task force this node knows, with its state here;
 * - `POST /v1/taskforces` → propose one (version 1, signed by this node, sent to the members);
 * - `GET /v1/taskforces/{id}` (`?history=true`: every charter envelope) → one, with its versions;
 * - `POST /v1/taskforces/{id}/sign|decline|amend|leave|dissolve` → the member actions.
 *
 * Messages to a task force go through `POST /v1/messages` with `taskForce`.
 *
 * @module
 */
import { z } from 'zod'
import { MAX_TASKFORCE_MEMBERS, MAX_TASKFORCE_TOPICS } from '../../../protocol/taskforce/index.ts'
import { NodeError } from '../../errors.ts'
import type { TaskForces } from '../../taskforce/index.ts'
import { defineRoute, type Route } from '../route.ts'
import { boolParam, digest, handlingCode, instant, legalBasis, named, noBody, peerId, slug, tlp, uuid } from '../schemas.ts'

function taskForces (t: TaskForces | undefined): TaskForces {
  if (t == null) throw new NodeError('NODE_NOT_RUNNING', 'task forces are served by a running node')
  return t
}

const STATES = ['in-effect', 'awaiting-signatures', 'not-yet-valid', 'expired', 'dissolved', 'removed', 'left'] as const

const member = z.object({ peerId, name: z.string(), jurisdiction: z.string().optional() })
const charter = named(
  'TaskForceCharter',
  z.object({
    v: z.literal(1),
    id: uuid.describe('the task force id, the same in every version'),
    version: z.number().int(),
    previous: digest.nullable().describe('digest of the version before; null for version 1'),
    name: z.string(),
    purpose: z.string(),
    legalBasis: z.string(),
    members: z.array(member),
    topics: z.array(z.string()),
    maxTlp: tlp,
    handling: z.array(z.string()),
    validFrom: instant,
    validUntil: instant,
    governance: z.object({ quorum: z.number().int().describe('signatures of the current members a new version needs') }),
    status: z.enum(['active', 'dissolved']),
    proposedBy: peerId,
    proposed: instant
  }),
  'A task force charter version (PROTOCOL.md §21.1).'
)

const summaryShape = {
  id: uuid,
  name: z.string(),
  state: z.enum(STATES).describe('what the task force is on this node now'),
  version: z.number().int().nullable().describe('the version in effect here (also when expired or not yet valid)'),
  digest: digest.nullable(),
  latest: z.number().int().describe('the highest version this node knows'),
  awaitingMySignature: z.boolean()
}
const summary = named('TaskForceSummary', z.object(summaryShape))
const detail = named(
  'TaskForceDetail',
  z.object({
    ...summaryShape,
    charter: charter.describe('the charter in effect here, else the latest version'),
    versions: z.array(z.object({
      version: z.number().int(),
      digest,
      status: z.enum(['valid', 'pending', 'superseded']),
      kind: z.enum(['founding', 'amendment', 'leave', 'dissolution']).nullable(),
      proposedBy: peerId,
      proposed: instant,
      signers: z.array(peerId),
      declines: z.array(z.object({ peerId, at: z.number().int(), reason: z.string().optional() }))
    })),
    history: z.array(z.base64()).describe('with ?history=true: every charter envelope (base64), version 1 first').optional()
  })
)

const rfc3339Millis = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/).describe('RFC 3339 UTC with milliseconds')
const topics = z.array(slug).min(1).max(MAX_TASKFORCE_TOPICS)
const handling = z.array(handlingCode).max(16)
const idParams = z.strictObject({ id: uuid })

export const taskForceRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/taskforces',
    operationId: 'taskForces',
    summary: 'Every task force this node knows, with its state here',
    tags: ['taskforces'],
    response: z.array(summary),
    errors: [409],
    handler: async ({ taskForces: t }) => await taskForces(t).list()
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/taskforces',
    operationId: 'proposeTaskForce',
    summary: 'Propose a task force: version 1 of its charter, signed by this node and sent to every other member',
    tags: ['taskforces'],
    body: z.strictObject({
      name: z.string().min(1).max(200),
      purpose: z.string().min(1).max(2000),
      legalBasis,
      members: z.array(peerId).min(1).max(MAX_TASKFORCE_MEMBERS - 1).describe("the other members (on this node's trust list)"),
      topics,
      maxTlp: tlp,
      handling: handling.optional(),
      validFrom: rfc3339Millis.optional(),
      validUntil: rfc3339Millis,
      quorum: z.number().int().min(1).max(MAX_TASKFORCE_MEMBERS).describe('signatures a new version needs (default: a majority)').optional()
    }),
    response: detail,
    errors: [400, 409, 422],
    handler: async ({ taskForces: t, body }) => await taskForces(t).propose(body)
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/taskforces/{id}',
    operationId: 'taskForce',
    summary: 'One task force: the charter in effect here, every version with its signers and declines',
    tags: ['taskforces'],
    params: idParams,
    query: z.strictObject({ history: boolParam.describe('include every charter envelope').optional() }),
    response: detail,
    errors: [400, 404, 409],
    handler: async ({ taskForces: t, params, query }) => await taskForces(t).show(params.id, { history: query.history === true })
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/taskforces/{id}/sign',
    operationId: 'signTaskForce',
    summary: "Sign the version awaiting this node's signature (or the one named), and send the signature to the members",
    tags: ['taskforces'],
    params: idParams,
    body: z.strictObject({ digest: digest.optional() }).optional(),
    response: detail,
    errors: [400, 404, 409, 422],
    handler: async ({ taskForces: t, params, body }) => await taskForces(t).sign(params.id, body?.digest)
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/taskforces/{id}/decline',
    operationId: 'declineTaskForce',
    summary: "Decline the version awaiting this node's signature; the members are told",
    tags: ['taskforces'],
    params: idParams,
    body: z.strictObject({ reason: z.string().min(1).max(1000).optional(), digest: digest.optional() }).optional(),
    response: detail,
    errors: [400, 404, 409, 422],
    handler: async ({ taskForces: t, params, body }) => await taskForces(t).decline(params.id, body?.reason, body?.digest)
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/taskforces/{id}/amend',
    operationId: 'amendTaskForce',
    summary: "Propose the next version (members added or removed, topics, TLP, handling, validity, quorum); it needs the current members' quorum",
    tags: ['taskforces'],
    params: idParams,
    body: z.strictObject({
      add: z.array(peerId).max(MAX_TASKFORCE_MEMBERS).optional(),
      remove: z.array(peerId).max(MAX_TASKFORCE_MEMBERS).optional(),
      name: z.string().min(1).max(200).optional(),
      purpose: z.string().min(1).max(2000).optional(),
      legalBasis: legalBasis.optional(),
      topics: topics.optional(),
      maxTlp: tlp.optional(),
      handling: handling.optional(),
      validFrom: rfc3339Millis.optional(),
      validUntil: rfc3339Millis.optional(),
      quorum: z.number().int().min(1).max(MAX_TASKFORCE_MEMBERS).optional()
    }),
    response: detail,
    errors: [400, 404, 409, 422],
    handler: async ({ taskForces: t, params, body }) => await taskForces(t).amend(params.id, body)
  }),
  ...(['leave', 'dissolve'] as const).map(action =>
    defineRoute({
      method: 'POST',
      path: `/v1/taskforces/{id}/${action}`,
      operationId: `${action}TaskForce`,
      summary: action === 'leave'
        ? 'Leave the task force (a version without this node, valid with its signature alone)'
        : "Propose dissolving the task force (a final version; it needs the current members' quorum)",
      tags: ['taskforces'],
      params: idParams,
      body: noBody,
      response: detail,
      errors: [400, 404, 409, 422],
      handler: async ({ taskForces: t, params }) => await taskForces(t)[action](params.id)
    })
  )
]
