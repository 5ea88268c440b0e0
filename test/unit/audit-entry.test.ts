import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import fc from 'fast-check'
import { signerFromSeed } from '../../protocol/keys.ts'
import { signReceipt } from '../../node/exchange/index.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { jsonDataProblem } from '../../protocol/json.ts'
import { AUDIT_EVENT_TYPES, EVENT_SCHEMA, auditEvents, sha256Hex, taskForceEvents } from '../../node/audit/events.ts'
import type { AuditEvent } from '../../node/audit/events.ts'
import { decodeEntry, decodeEntryText, encodeEntry, entryDigests, jcs } from '../../node/audit/entry.ts'
import { timestampMs } from '../../node/audit/timestamp.ts'
import type { MessageMeta } from '../../node/store/index.ts'
import { indexFieldsOfEntry, indexFieldsText, messagePrefix } from '../../node/audit/verify/index-tuple.ts'
import { encodeMessage } from '../../protocol/message.ts'
import type { MessageV1 } from '../../protocol/types.ts'

const alice = signerFromSeed(new Uint8Array(32).fill(1))
const bob = signerFromSeed(new Uint8Array(32).fill(2))
const D1 = 'a'.repeat(64)
const D2 = 'b'.repeat(64)
const AT = Date.parse('2026-03-01T12:00:00.123Z')
const utf8 = new TextEncoder()
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

const meta: MessageMeta = {
  digest: D1,
  id: '01a221a0-f770-7abc-9c9b-5cb5337b45bf',
  direction: 'in',
  from: alice.peerId,
  to: [bob.peerId],
  kind: 'report',
  tlp: 'AMBER',
  topic: 'drug-trafficking',
  legalBasis: 'EU-2024-17',
  handling: ['originator-only'],
  created: '2026-03-01T11:00:00.000Z',
  expires: '2026-04-01T11:00:00.000Z',
  storedAt: AT
}

function rejectsWith (bytes: Uint8Array, pattern: RegExp): void {
  let error: unknown
  try {
    decodeEntry(bytes)
  } catch (err) {
    error = err
  }
  expect(error).toBeInstanceOf(ProtocolError)
  expect((error as ProtocolError).code).toBe('SCHEMA_INVALID')
  expect((error as Error).message).toMatch(pattern)
}

describe('audit entry encoding', () => {
  it('writes v, type, at, then the fields in schema order, with no whitespace', () => {
    const envelope = utf8.encode('{"envelope":1}')
    const bytes = encodeEntry(auditEvents.messageReceived(meta, envelope), AT)
    expect(text(bytes)).toBe(
      '{"v":1,"type":"message.received","at":"2026-03-01T12:00:00.123Z",' +
        `"digest":"${D1}","payloadType":"application/vnd.liaison.message.v1+json",` +
        `"id":"01a221a0-f770-7abc-9c9b-5cb5337b45bf","kind":"report","from":"${alice.peerId}",` +
        `"to":["${bob.peerId}"],"created":"2026-03-01T11:00:00.000Z","expires":"2026-04-01T11:00:00.000Z","tlp":"AMBER","handling":["originator-only"],` +
        '"topic":"drug-trafficking","legalBasis":"EU-2024-17",' +
        `"envelopeSha256":"${sha256Hex(envelope)}"}`
    )
    const entry = decodeEntry(bytes)
    expect(entry).toMatchObject({ v: 1, type: 'message.received', at: '2026-03-01T12:00:00.123Z', digest: D1, from: alice.peerId })
    // The index fields appear exactly as the signed payload opens with them.
    expect(indexFieldsOfEntry(text(bytes), entry.type, (entry as { payloadType: string }).payloadType)).toBe(indexFieldsText(meta))
    const { id, kind, from, to, created, expires, tlp, handling, topic, legalBasis } = meta
    const payload: MessageV1 = { v: 1, id, kind, from, to, created, expires, tlp, handling, topic, legalBasis, body: { x: 1 } }
    expect(text(encodeMessage(payload)).startsWith(messagePrefix(meta))).toBe(true)
  })

  it('records the SHA-256 of the envelope bytes exactly as stored', () => {
    const event = auditEvents.messageSent({ ...meta, direction: 'out' }, utf8.encode('abc')) as { envelopeSha256: string }
    expect(event.envelopeSha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('reads status and reason of a stored receipt from the receipt itself', () => {
    const receipt = signReceipt(bob, { digest: D1, messageId: null, status: 'rejected', reason: 'TLP_NOT_PERMITTED' }, new Date(AT))
    const event = auditEvents.receiptStored({ for: D1, by: bob.peerId, receipt })
    expect(event).toMatchObject({ type: 'receipt.stored', for: D1, by: bob.peerId, status: 'rejected', reason: 'TLP_NOT_PERMITTED' })
    expect(() => auditEvents.receiptStored({ for: D2, by: bob.peerId, receipt })).toThrow(TypeError)
    expect(() => auditEvents.receiptStored({ for: D1, by: alice.peerId, receipt })).toThrow(TypeError)
  })

  it("records when a receipt's message was first sent (sentAt), and keeps entries sealed before sentAt existed valid", () => {
    const receipt = signReceipt(bob, { digest: D1, messageId: null, status: 'accepted' }, new Date(AT))
    const sent = encodeEntry(auditEvents.receiptStored({ for: D1, by: bob.peerId, receipt, sentAt: AT - 36 }), AT)
    expect(text(sent).endsWith(`"envelopeSha256":"${sha256Hex(receipt)}","sentAt":"2026-03-01T12:00:00.087Z"}`)).toBe(true)
    expect(decodeEntry(sent)).toMatchObject({ type: 'receipt.stored', status: 'accepted', sentAt: '2026-03-01T12:00:00.087Z' })
    expect(decodeEntry(encodeEntry(auditEvents.receiptStored({ for: D1, by: bob.peerId, receipt }), AT))).toMatchObject({ sentAt: null })
    // As an older node wrote it: no sentAt member. Still valid, and it re-encodes to itself.
    const legacy = `{"v":1,"type":"receipt.stored","at":"2026-03-01T12:00:00.123Z","for":"${D1}","by":"${bob.peerId}","status":"accepted","reason":null,` +
      `"envelopeSha256":"${sha256Hex(receipt)}"}`
    const old = decodeEntryText(legacy)
    expect(Object.hasOwn(old, 'sentAt')).toBe(false)
    const event: Record<string, unknown> = { ...old }
    delete event.v
    delete event.at
    expect(text(encodeEntry(event as AuditEvent, AT))).toBe(legacy)
    rejectsWith(utf8.encode(legacy.replace('"reason":null', '"reason": null')), /canonical/)
    rejectsWith(utf8.encode(legacy.slice(0, -1) + ',"sentAt":"yesterday"}'), /sentAt/)
    rejectsWith(utf8.encode(legacy.slice(0, -1) + ',"sentAt":null,"more":1}'), /unknown field/)
    expect(() => auditEvents.receiptStored({ for: D1, by: bob.peerId, receipt, sentAt: 'soon' })).toThrow(/sentAt/)
  })

  it('writes free-form values as RFC 8785 JCS (sorted keys, integer-like keys included) and reads them back', () => {
    const before = { z: 1, a: [{ y: true, b: null }], 10: 'ten', 9: 'nine' }
    const event = auditEvents.policyChanged(before, { b: 'x', a: 'y' })
    const bytes = encodeEntry(event, AT)
    expect(text(bytes)).toBe(
      '{"v":1,"type":"policy.changed","at":"2026-03-01T12:00:00.123Z",' +
        '"before":{"10":"ten","9":"nine","a":[{"b":null,"y":true}],"z":1},"after":{"a":"y","b":"x"}}'
    )
    expect(decodeEntry(bytes)).toMatchObject({ type: 'policy.changed', before: { 9: 'nine', 10: 'ten', z: 1 } })
  })

  it('maps trust-list changes to peer.added, peer.updated and peer.removed with before/after', () => {
    const record = {
      peerId: bob.peerId,
      name: 'bob',
      addresses: [],
      status: 'active',
      addedAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z'
    }
    const suspended = { ...record, status: 'suspended' }
    expect(auditEvents.trustChanged({ peerId: bob.peerId, before: undefined, after: record as never, action: 'peer.added' }).type).toBe('peer.added')
    const updated = auditEvents.trustChanged({ peerId: bob.peerId, before: record as never, after: suspended as never, action: 'peer.suspended' })
    expect(updated).toMatchObject({ type: 'peer.updated', action: 'peer.suspended', before: { status: 'active' }, after: { status: 'suspended' } })
    expect(auditEvents.trustChanged({ peerId: bob.peerId, before: record as never, after: undefined, action: 'peer.removed' }).type).toBe('peer.removed')
  })

  it('rejects events with bad fields with a TypeError naming the field, before anything is written', () => {
    expect(() => auditEvents.messageRejected({ from: 'not-a-peer', reason: 'BAD_SIGNATURE' })).toThrow(/from/)
    expect(() => auditEvents.messageRejected({ from: alice.peerId, reason: 'NOPE' })).toThrow(/reason/)
    expect(() => auditEvents.purge(['xyz'])).toThrow(/digests\[0\]/)
    expect(() => auditEvents.purge([])).toThrow(TypeError)
    expect(() => encodeEntry({ type: 'purge', digests: [D1], extra: 1 } as unknown as AuditEvent, AT)).toThrow(/unknown field "extra"/)
    expect(() => encodeEntry({ type: 'nope' } as unknown as AuditEvent, AT)).toThrow(/unknown type/)
  })

  it('accepts only the canonical encoding: spaces, other orders, duplicate keys and 1.0 are SCHEMA_INVALID', () => {
    const canonical = text(encodeEntry(auditEvents.purge([D1]), AT))
    expect(decodeEntry(utf8.encode(canonical))).toMatchObject({ type: 'purge', digests: [D1] })
    rejectsWith(utf8.encode(canonical.replace('{"v":1,', '{"v":1, ')), /canonical/)
    rejectsWith(utf8.encode(canonical.replace('"v":1,"type":"purge"', '"type":"purge","v":1')), /canonical/)
    rejectsWith(utf8.encode(canonical.replace('{"v":1,', '{"v":1,"v":1,')), /canonical/)
    rejectsWith(utf8.encode(canonical.replace('"v":1', '"v":1.0')), /canonical/)
    rejectsWith(utf8.encode(canonical.replace('"v":1', '"v":2')), /v must be/)
    rejectsWith(utf8.encode(canonical.replace(D1, 'A'.repeat(64))), /digests/)
    rejectsWith(utf8.encode(canonical.replace('.123Z', 'Z')), /at must be/)
    rejectsWith(utf8.encode(canonical.slice(0, -1) + ',"x":1}'), /unknown field "x"/)
    rejectsWith(utf8.encode('[1]'), /not a JSON object/)
  })

  it('accepts exactly the texts that re-encode to themselves, for every one-character edit of every event type', () => {
    // The reference: parse, then the encoder's own checks and canonical text (what decoding must
    // hold entries to, however it is done quickly).
    const reference = (t: string): unknown => {
      let o: unknown
      try {
        o = JSON.parse(t)
      } catch {
        return undefined
      }
      if (typeof o !== 'object' || o === null || Array.isArray(o) || (o as { v?: unknown }).v !== 1) return undefined
      const event: Record<string, unknown> = { ...o }
      const ms = timestampMs(event.at)
      delete event.v
      delete event.at
      if (Number.isNaN(ms)) return undefined
      try {
        return text(encodeEntry(event as unknown as AuditEvent, ms)) === t ? o : undefined
      } catch {
        return undefined
      }
    }
    const receipt = signReceipt(bob, { digest: D1, messageId: null, status: 'rejected', reason: 'REPLAY' }, new Date(AT))
    const events: AuditEvent[] = [
      auditEvents.messageReceived({ ...meta, topic: 'a "quoted"\\ topic\n, é 😀', handling: ['x', 'y'] }, utf8.encode('x')),
      auditEvents.messageSent({ ...meta, direction: 'out', to: [alice.peerId, bob.peerId], handling: [] }, utf8.encode('x')),
      auditEvents.messageRejected({ from: alice.peerId, reason: 'REPLAY', digest: null, messageId: null }),
      auditEvents.receiptStored({ for: D1, by: bob.peerId, receipt }),
      auditEvents.trustChanged({ peerId: bob.peerId, before: { a: [1, 'x'] } as never, after: { a: 2 } as never, action: 'peer.updated' }),
      auditEvents.purge([D1, D2]),
      auditEvents.releaseDenied({ digest: D1, requester: bob.peerId, originator: alice.peerId, reason: 'not now' }),
      auditEvents.messageForwarded({ digest: D1, to: [bob.peerId], forward: null })
    ]
    const edits = ['', ' ', 'a', 'A', '0', '9', '"', '\\', '\n', '\t', ',', ':', '}', ']', 'é', '\ud800', 'null']
    let accepted = 0
    let rejected = 0
    for (const event of events) {
      const canonical = text(encodeEntry(event, AT))
      for (let i = 0; i <= canonical.length; i++) {
        const c = canonical.charCodeAt(i)
        const variants = edits.map(e => canonical.slice(0, i) + e + canonical.slice(i + 1))
        variants.push(canonical.slice(0, i) + ' ' + canonical.slice(i))
        if (i < canonical.length) variants.push(canonical.slice(0, i) + `\\u${c.toString(16).padStart(4, '0')}` + canonical.slice(i + 1))
        for (const t of variants) {
          const want = reference(t)
          let got: unknown
          try {
            got = decodeEntryText(t)
          } catch (err) {
            expect(err, t).toBeInstanceOf(ProtocolError)
          }
          expect(got === undefined, t).toBe(want === undefined)
          if (got === undefined) {
            rejected++
          } else {
            expect(Object.entries(got as object), t).toEqual(Object.entries(want as object))
            accepted++
          }
        }
      }
    }
    expect(accepted).toBeGreaterThan(events.length)
    expect(rejected).toBeGreaterThan(1000)
  })

  it('round-trips every event type and names the digests each refers to', () => {
    const receipt = signReceipt(bob, { digest: D1, messageId: null, status: 'accepted' }, new Date(AT))
    const events: AuditEvent[] = [
      auditEvents.messageSent({ ...meta, direction: 'out' }, utf8.encode('x')),
      auditEvents.messageReceived(meta, utf8.encode('x')),
      auditEvents.messageRejected({ from: alice.peerId, reason: 'REPLAY', digest: D1, messageId: meta.id }),
      auditEvents.receiptStored({ for: D1, by: bob.peerId, receipt }),
      auditEvents.trustChanged({ peerId: bob.peerId, before: undefined, after: { peerId: bob.peerId } as never, action: 'peer.added' }),
      auditEvents.trustChanged({ peerId: bob.peerId, before: { a: 1 } as never, after: { a: 2 } as never, action: 'peer.updated' }),
      auditEvents.trustChanged({ peerId: bob.peerId, before: { a: 1 } as never, after: undefined, action: 'peer.removed' }),
      auditEvents.policyChanged(null, { maxTlp: 'RED' }),
      auditEvents.keyRotated({ subject: 'self', oldPeerId: alice.peerId, newPeerId: bob.peerId, statement: D2 }),
      auditEvents.purge([D1, D2]),
      auditEvents.releaseRequested({ digest: D1, requester: bob.peerId, originator: alice.peerId }),
      auditEvents.releaseGranted({ digest: D1, requester: bob.peerId, originator: alice.peerId, grant: D2 }),
      auditEvents.releaseDenied({ digest: D1, requester: bob.peerId, originator: alice.peerId, reason: 'not now' }),
      auditEvents.messageForwarded({ digest: D1, to: [bob.peerId], forward: D2 }),
      auditEvents.witnessAlert({ witness: 'w1', origin: 'liaison.local/x', reason: 'inconsistent', detail: { size: 3 } }),
      auditEvents.messageReplied({ digest: D2, inReplyTo: meta.id }),
      auditEvents.messageRated({ digest: D1, rater: bob.peerId, originator: alice.peerId, rating: 'useful', feedback: D2 }),
      auditEvents.taxiiRequest({ client: 'misp', collection: 'c1', action: 'objects.add', objects: ['indicator--x'], digests: [D1] }),
      auditEvents.query({
        event: 'query.result',
        queryId: meta.id,
        queryDigest: D1,
        peer: bob.peerId,
        type: 'phone',
        count: 3,
        legalBasis: 'EU-2024-17',
        purpose: 'case 1',
        hits: 1,
        keyId: 'ab'.repeat(16)
      }),
      auditEvents.queryKeyRotated({ epoch: 2, keyId: 'cd'.repeat(16), previousKeyId: 'ab'.repeat(16), records: 2500, reason: 'schedule' }),
      taskForceEvents.charter({
        taskForce: meta.id,
        version: 2,
        charter: D1,
        previous: D2,
        action: 'taskforce.signed',
        by: alice.peerId,
        signers: [alice.peerId, bob.peerId]
      }),
      taskForceEvents.message({ digest: D2, taskForce: meta.id, charter: D1, direction: 'in', peers: [bob.peerId] }),
      auditEvents.queryKeyNotice({ role: 'accepted', peer: bob.peerId, previousKeyId: 'ab'.repeat(16), keyId: 'cd'.repeat(16), epoch: 2, notice: D2 })
    ]
    expect(new Set(events.map(e => e.type))).toEqual(new Set(AUDIT_EVENT_TYPES))
    for (const event of events) {
      const entry = decodeEntry(encodeEntry(event, AT))
      expect(Object.keys(entry)).toEqual(['v', 'type', 'at', ...EVENT_SCHEMA[event.type].map(([name]) => name)])
    }
    expect(entryDigests(decodeEntry(encodeEntry(events[9], AT)))).toEqual([D1, D2])
    expect(entryDigests(decodeEntry(encodeEntry(events[13], AT)))).toEqual([D1, D2])
    expect(entryDigests(decodeEntry(encodeEntry(events[7], AT)))).toEqual([])
    expect(entryDigests(decodeEntry(encodeEntry(events[15], AT)))).toEqual([D2])
    expect(entryDigests(decodeEntry(encodeEntry(events[16], AT)))).toEqual([D1, D2])
    expect(entryDigests(decodeEntry(encodeEntry(events.find(e => e.type === 'taskforce.message')!, AT)))).toEqual([D2])
    expect(auditEvents.repliesOf({ digest: D2 })).toEqual([])
    expect(() => auditEvents.messageReplied({ digest: 'x', inReplyTo: meta.id })).toThrow(/digest/)
  })

  it('decodes what it encodes for arbitrary free-form JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const clean = JSON.parse(JSON.stringify(value)) as unknown
        fc.pre(jsonDataProblem(clean) === undefined) // unsafe integers are refused, as they must be
        const bytes = encodeEntry(auditEvents.policyChanged(clean, null), AT)
        const entry = decodeEntry(bytes) as { before: unknown }
        expect(jcs(entry.before)).toBe(jcs(clean))
      }),
      { numRuns: 300 }
    )
  })

  it('documents every event type and field in node/audit/README.md', async () => {
    const readme = await readFile(new URL('../../node/audit/README.md', import.meta.url), 'utf8')
    for (const type of AUDIT_EVENT_TYPES) {
      const row = readme.split('\n').find(line => line.startsWith(`| \`${type}\` |`))
      expect(row, type).toBeDefined()
      if (type !== 'message.received') { for (const [name] of EVENT_SCHEMA[type]) expect(row, `${type}.${name}`).toContain(`\`${name}\``) }
    }
  })
})
