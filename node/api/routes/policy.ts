/**
 * Routes of the node policy and policy decisions.
 *
 * @module
 */
import { defineRoute, type Route } from '../route.ts'
import { decision, noBody, nodePolicy, policyCheckInput } from '../schemas.ts'

export const policyRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/policy',
    operationId: 'policy',
    summary: 'The node policy in force',
    tags: ['policy'],
    response: nodePolicy,
    handler: async ({ service }) => await service.policy()
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/policy/reload',
    operationId: 'reloadPolicy',
    summary: 'Re-read DIR/policy.json (like SIGHUP)',
    description: 'An invalid file leaves the policy in force and answers 422 CONFIG_INVALID.',
    tags: ['policy'],
    body: noBody,
    response: nodePolicy,
    errors: [400, 422],
    handler: async ({ service }) => await service.reloadPolicy()
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/policy/check',
    operationId: 'checkPolicy',
    summary: 'Explain the decision for a message to a peer, without sending',
    tags: ['policy'],
    body: policyCheckInput,
    response: decision,
    errors: [400],
    handler: async ({ service, body }) => await service.checkPolicy(body)
  })
]
