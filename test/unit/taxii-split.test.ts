/**
 * A POST's objects are packed into bundles that each fit one message (the message size limit
 * less the header allowance); an object that cannot fit any message is 413 naming the limit.
 */
import { describe, expect, it } from 'vitest'
import { splitIntoBundles } from '../../node/taxii/ingest.ts'
import { TaxiiError } from '../../node/taxii/taxii-error.ts'

const object = (n: number, bytes: number): Record<string, unknown> => ({ type: 'note', id: `note--${n}`, content: 'x'.repeat(bytes) })

describe('splitting a POST into messages', () => {
  it('keeps every object, in order, and every bundle within the room of one message', () => {
    const objects = Array.from({ length: 50 }, (_, i) => object(i, 1000 + (i % 7) * 300))
    const room = 8 * 1024
    const groups = splitIntoBundles(objects, room)
    expect(groups.flat()).toEqual(objects)
    expect(groups.length).toBeGreaterThan(5)
    for (const g of groups) {
      expect(JSON.stringify({ type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000000', objects: g }).length).toBeLessThanOrEqual(room)
    }
  })

  it('one bundle when everything fits', () => {
    expect(splitIntoBundles([object(1, 10), object(2, 10)], 1024 * 1024)).toHaveLength(1)
  })

  it('an object larger than one message is 413 TOO_LARGE naming the limit and the object', () => {
    try {
      splitIntoBundles([object(1, 10), object(2, 5000)], 4096)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(TaxiiError)
      expect((err as TaxiiError).status).toBe(413)
      expect((err as TaxiiError).message).toMatch(/\$\.objects\[1\] is \d+ bytes; one message carries at most 4096 bytes/)
    }
  })
})
