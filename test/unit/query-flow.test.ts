/**
 * The pure hit/no-hit query steps (protocol/query) between two in-memory parties: B indexes a
 * few hundred selectors of several types and builds A's filter; A asks a mix of hits, misses and
 * normalisation variants of hits and gets exactly the right answers (P2); the blinded elements
 * of the same selector differ on every query (P1: unlinkable, nothing for B to match); a
 * tampered proof, a tampered evaluation or an evaluation under another key is BAD_PROOF (P4);
 * A's tags are useless without an online evaluation (P3: they are bound to B's key); removing a
 * record from the filter turns a hit into a no-hit. Payload schemas refuse malformed input.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { deriveKeyPair, MODE } from '../../protocol/oprf/index.ts'
import { normaliseSelector } from '../../protocol/selectors/index.ts'
import {
  blindedForWire,
  blindSelectors,
  decodeAnswer,
  decodeQuery,
  evaluateQuery,
  finaliseAnswer,
  hitTag,
  indexOutput,
  oprfKeyId
} from '../../protocol/query/index.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { peerIdFromPublicKey } from '../../protocol/peer-id.ts'

const keysB = deriveKeyPair(MODE.voprf, randomBytes(32), new TextEncoder().encode('liaison-oprf-key-1'))
const peerA = peerIdFromPublicKey(randomBytes(32))
const phones = Array.from({ length: 300 }, (_, i) => `+4915112${String(100000 + i)}`)
const filterForA = new Set(phones.map((p) => hitTag(peerA, 'phone', indexOutput(keysB, 'phone', p))))

function ask (type: string, canonical: string[], filter = filterForA, keys = keysB): ReturnType<typeof finaliseAnswer> {
  const pending = blindSelectors(type, canonical)
  const answer = evaluateQuery(keys, blindedForWire(pending))
  return finaliseAnswer(type, peerA, keysB.publicKey, pending, answer, filter)
}

describe('hit/no-hit query steps', () => {
  it('answers hits, misses and normalisation variants exactly', () => {
    const asked = [
      normaliseSelector('phone', '0151 12 100007', { defaultRegion: 'DE' }),
      normaliseSelector('phone', '+49 151 12100299'),
      normaliseSelector('phone', '+49 151 12900000'),
      normaliseSelector('phone', '+44 20 7946 0958')
    ]
    const r = ask('phone', asked)
    expect(r.map((x) => x.hit)).toEqual([true, true, false, false])
    expect(r[0].hitRef).toMatch(/^[0-9a-f]{32}$/)
    expect(r[2].hitRef).toBeNull()
  })

  it('a selector of another type never hits (types are inside the OPRF input)', () => {
    expect(ask('email', [phones[0]]).map((x) => x.hit)).toEqual([false])
  })

  it('blinds the same selector differently every time (P1)', () => {
    const a = blindedForWire(blindSelectors('phone', [phones[0]]))
    const b = blindedForWire(blindSelectors('phone', [phones[0]]))
    expect(a[0]).not.toBe(b[0])
  })

  it('refuses a tampered proof, a tampered evaluation and another key (P4)', () => {
    const pending = blindSelectors('phone', [phones[0], phones[1]])
    const answer = evaluateQuery(keysB, blindedForWire(pending))
    const proof = Buffer.from(answer.proof, 'base64')
    proof[10] ^= 0x40
    const code = (f: () => unknown): string => {
      try {
        f()
        return 'none'
      } catch (e) {
        return (e as ProtocolError).code
      }
    }
    expect(code(() => finaliseAnswer('phone', peerA, keysB.publicKey, pending, { ...answer, proof: proof.toString('base64') }, filterForA))).toBe('BAD_PROOF')
    expect(
      code(() => finaliseAnswer('phone', peerA, keysB.publicKey, pending, { ...answer, evaluated: [answer.evaluated[1], answer.evaluated[0]] }, filterForA))
    ).toBe('BAD_PROOF')
    expect(code(() => finaliseAnswer('phone', peerA, keysB.publicKey, pending, { ...answer, evaluated: [answer.evaluated[0]] }, filterForA))).toBe('BAD_PROOF')
    const other = deriveKeyPair(MODE.voprf, randomBytes(32), new Uint8Array())
    const tagged = evaluateQuery(other, blindedForWire(pending))
    expect(code(() => finaliseAnswer('phone', peerA, keysB.publicKey, pending, tagged, filterForA))).toBe('BAD_PROOF')
    expect(code(() => evaluateQuery(keysB, [Buffer.alloc(32, 0xff).toString('base64')]))).toBe('SCHEMA_INVALID')
  })

  it('tags depend on the key and the peer: a filter cannot be tested offline (P3)', () => {
    const other = deriveKeyPair(MODE.voprf, randomBytes(32), new Uint8Array())
    expect(filterForA.has(hitTag(peerA, 'phone', indexOutput(other, 'phone', phones[0])))).toBe(false)
    const peerC = peerIdFromPublicKey(randomBytes(32))
    expect(filterForA.has(hitTag(peerC, 'phone', indexOutput(keysB, 'phone', phones[0])))).toBe(false)
  })

  it('removal from the filter turns a hit into a no-hit', () => {
    const filter = new Set(filterForA)
    expect(ask('phone', [phones[5]], filter)[0].hit).toBe(true)
    filter.delete(hitTag(peerA, 'phone', indexOutput(keysB, 'phone', phones[5])))
    expect(ask('phone', [phones[5]], filter)[0].hit).toBe(false)
  })

  it('payload schemas: a valid query and answer decode; unknown fields and bad elements are SCHEMA_INVALID', () => {
    const pending = blindSelectors('phone', [phones[0]])
    const q = {
      v: 1,
      id: '01890a5d-ac96-774b-bcce-b302099a8057',
      from: peerA,
      to: peerIdFromPublicKey(randomBytes(32)),
      created: '2026-12-02T18:00:00.000Z',
      type: 'phone',
      keyId: oprfKeyId(keysB.publicKey),
      legalBasis: 'agreement-2026-7',
      purpose: 'investigation 4711',
      blinded: blindedForWire(pending)
    }
    const enc = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o))
    expect(decodeQuery(enc(q)).blinded).toEqual(q.blinded)
    expect(() => decodeQuery(enc({ ...q, selector: '+49' }))).toThrow(/SCHEMA_INVALID|unrecognized|selector/i)
    expect(() => decodeQuery(enc({ ...q, blinded: ['AAAA'] }))).toThrow(ProtocolError)
    const ev = evaluateQuery(keysB, q.blinded)
    const a = { v: 1, query: q.id, queryDigest: 'ab'.repeat(32), from: q.to, to: q.from, created: q.created, keyId: q.keyId, ...ev }
    expect(decodeAnswer(enc(a)).proof).toBe(ev.proof)
    expect(() => decodeAnswer(enc({ ...a, refused: 'QUOTA_EXCEEDED' }))).toThrow(ProtocolError)
    const bare: Record<string, unknown> = { ...a }
    delete bare.evaluated
    delete bare.proof
    expect(decodeAnswer(enc({ ...bare, refused: 'QUOTA_EXCEEDED' })).refused).toBe('QUOTA_EXCEEDED')
  })
})
