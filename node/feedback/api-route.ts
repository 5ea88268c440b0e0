/**
 * `POST /v1/messages/{ref}/feedback` `{ "rating": "useful", "note": "…" }` on the local API:
 * rate a received message (send-feedback.ts). One `extra` handler beside the route table, so it
 * plugs into any route table; errors are the API's usual `{ error: { code, message } }`.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { NodeError } from '../errors.ts'
import type { LiaisonService } from '../service.ts'

const PATH = /^\/v1\/messages\/([^/]+)\/feedback$/
const MAX_BODY = 16 * 1024

async function body (req: IncomingMessage): Promise<{ rating?: unknown, note?: unknown }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new NodeError('TOO_LARGE', `request body over ${MAX_BODY} bytes`)
    chunks.push(chunk as Buffer)
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    if (typeof v !== 'object' || v === null) throw new Error('not an object')
    return v as { rating?: unknown, note?: unknown }
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', `request body must be a JSON object: ${(err as Error).message}`)
  }
}

export function feedbackRoute (service: LiaisonService): (req: IncomingMessage, url: URL) => Promise<{ status: number, type: string, body: string } | undefined> {
  return async (req, url) => {
    const m = PATH.exec(url.pathname)
    if (m == null || req.method !== 'POST') return undefined
    const b = await body(req)
    if (typeof b.rating !== 'string') throw new NodeError('BAD_ARGUMENT', 'rating is required')
    if (b.note != null && typeof b.note !== 'string') throw new NodeError('BAD_ARGUMENT', 'note must be a string')
    const result = await service.feedback(decodeURIComponent(m[1]), b.rating, b.note ?? undefined)
    return { status: 200, type: 'application/json', body: JSON.stringify(result) }
  }
}
