/**
 * A fresh, valid message v1 for tests: a new UUIDv7 id, created now, expiring in `ttlMs`
 * (default one day), TLP:GREEN under the test agreement. Override any field.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { uuidV7 } from '../../protocol/uuid.ts'
import type { MessageV1 } from '../../protocol/types.ts'

export function freshMessage (from: string, to: string[], fields: Partial<MessageV1> = {}, ttlMs = 86_400_000): MessageV1 {
  const now = Date.now()
  return {
    v: 1,
    id: uuidV7(now, randomBytes(10)),
    kind: 'report',
    from,
    to,
    created: new Date(now).toISOString(),
    expires: new Date(now + ttlMs).toISOString(),
    tlp: 'GREEN',
    handling: [],
    topic: 'fraud',
    legalBasis: 'EU-2024-17',
    body: {},
    ...fields
  }
}
