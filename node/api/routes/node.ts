/**
 * Routes of the node itself: health. (`/metrics` and `/openapi.json` are served beside the
 * table — see index.ts — and documented by openapi.ts.)
 *
 * @module
 */
import { defineRoute, type Route } from '../route.ts'
import { health } from '../schemas.ts'

const healthRoute = (path: string, operationId: string): Route =>
  defineRoute({
    method: 'GET',
    path,
    operationId,
    summary: 'Whether the node is ready',
    tags: ['node'],
    response: health,
    handler: async ({ service }) => await service.health()
  })

export const nodeRoutes: Route[] = [
  healthRoute('/health', 'health'),
  healthRoute('/v1/health', 'healthV1')
]
