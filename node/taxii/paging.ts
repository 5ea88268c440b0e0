/**
 * `next` tokens: opaque to clients and never trusted. A token names where the previous page
 * ended (date added, message digest, object index) and the query it belongs to, and carries an
 * HMAC-SHA256 under a key made when the server started; anything else is a 400. Tokens do not
 * outlive the server process.
 *
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export interface Position {
  /** Date added (ms) of the last object served. */
  at: number
  digest: string
  index: number
}

export class PageTokens {
  private readonly key = randomBytes(32)

  issue (query: string, pos: Position): string {
    const body = Buffer.from(JSON.stringify([query, pos.at, pos.digest, pos.index])).toString('base64url')
    return `${body}.${this.mac(body)}`
  }

  /** The position a token names for this query, or undefined when it is not one of ours. */
  read (query: string, token: string): Position | undefined {
    const [body, mac, extra] = token.split('.')
    if (body == null || mac == null || extra != null || !/^[A-Za-z0-9_-]+$/.test(body)) return undefined
    const expected = Buffer.from(this.mac(body))
    const given = Buffer.from(mac)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    const [q, at, digest, index] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [string, number, string, number]
    return q === query ? { at, digest, index } : undefined
  }

  private mac (body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url')
  }
}
