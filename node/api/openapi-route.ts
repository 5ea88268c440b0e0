/**
 * `GET /openapi.json` for ApiServer's `extra`, with the document's module loaded and the
 * document built (from the zod schemas, ~200 KB of JSON) on the first request for it rather
 * than at start-up: a node that nobody asks for its API description does not carry it (about
 * 2 MB of resident memory).
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'

type Route = (req: IncomingMessage, url: URL) => Promise<{ status: number, type: string, body: string } | undefined>

export function lazyOpenApiRoute (version?: string): Route {
  let route: Promise<Route> | undefined
  return async (req, url) => {
    if (url.pathname !== '/openapi.json') return undefined
    route ??= import('./openapi.ts').then(m => m.openApiRoute(version))
    return await (await route)(req, url)
  }
}
