/**
 * The console's own checks (web/console/checks.ts), known answers: the §10.2 STIX fixture's
 * envelope verifies against its sender's peer ID and not against another, one flipped payload
 * byte fails; its objects come out with their TLP labels; an inclusion proof holds for its leaf
 * and fails for another root.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { checkInclusion, checkSigned, stixRows } from '../../web/console/checks.ts'
import { leafHash, nodeHash } from '../../protocol/merkle.ts'

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')
const sender = fixture('sender.peer-id.txt').trim()
const recipient = fixture('recipient.peer-id.txt').trim()
const envelope = Buffer.from(fixture('stix-message.envelope.json')).toString('base64')

describe('console checks', () => {
  it('verifies the STIX fixture against its sender, not another key, and not with a flipped byte', () => {
    const ok = checkSigned(envelope, sender)
    expect('error' in ok ? ok.error : ok.verified).toBe(true)
    const other = checkSigned(envelope, recipient)
    expect('error' in other ? other.error : other.verified).toBe(false)
    const text = fixture('stix-message.envelope.json')
    const at = text.indexOf('"payload":"') + 40
    const flipped = text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1)
    const bad = checkSigned(Buffer.from(flipped).toString('base64'), sender)
    expect('error' in bad ? bad.error : bad.verified).toBe(false)
    expect(checkSigned(Buffer.from('not json').toString('base64'), sender)).toHaveProperty('error')
  })

  it('lists the STIX objects with the TLP of their markings', () => {
    const s = checkSigned(envelope, sender) as { payload: { body: unknown } }
    expect(stixRows(s.payload.body)).toEqual([{
      type: 'indicator',
      id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
      name: 'Invoice-fraud dropper',
      markings: [{ ref: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', tlp: 'GREEN' }],
      tlp: 'GREEN',
      created: '2026-01-15T09:00:00.000Z',
      modified: '2026-01-15T09:00:00.000Z'
    }])
    expect(stixRows({ case: 1 })).toBeUndefined()
    expect(stixRows({ type: 'bundle', id: 'bundle--x', objects: [{ type: 'note', id: 'note--1' }] })?.[0].tlp).toBe('inherited')
  })

  it('checks an inclusion proof against the checkpoint root', () => {
    // RFC 9162 tree of three leaves: root = H(H(l0, l1), l2); the proof of leaf 1 is [l0, l2].
    const [l0, l1, l2] = ['{"a":1}', '{"b":2}', '{"c":3}'].map(e => leafHash(new TextEncoder().encode(e)))
    const root = Buffer.from(nodeHash(nodeHash(l0, l1), l2)).toString('base64')
    const proof = [l0, l2].map(x => Buffer.from(x).toString('hex'))
    expect(checkInclusion({ index: 1, entry: '{"b":2}', proof }, { size: 3, root, time: 0 })).toBe('included')
    expect(checkInclusion({ index: 1, entry: '{"b":3}', proof }, { size: 3, root, time: 0 })).toBe('PROOF FAILS')
    expect(checkInclusion({ index: 1, entry: '{"b":2}', proof: null }, { size: 3, root, time: 0 })).toBe('not yet checkpointed')
  })
})
