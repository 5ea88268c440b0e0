/**
 * The bad-input matrix: a *trusted* peer that misbehaves on `/liaison/exchange/2.0.0`, written
 * against the wire protocol with plain libp2p and hand-built bytes (test/helpers/hostile-client.ts),
 * talking to a real node process. For every case:
 *
 * - the node answers with a batch receipt under a checkpoint signed by its own key whose entry
 *   for the envelope is a `message.rejected` with the stable reason code (BAD_ENVELOPE, digest
 *   null, where no envelope could be parsed: only that envelope of its batch) — or, where the
 *   framing itself is broken, resets the stream without a receipt;
 * - nothing is stored (the inbox holds only what the hostile peer got accepted on purpose);
 * - a well-behaved peer (a real node) keeps delivering to the same node throughout.
 *
 * Policy cases (TLP ceiling, topic, agreement, suspended, revoked) come with the policy work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { TEST_AGREEMENT, cli, until, type TestNode } from '../helpers/node-process.ts'
import { openHostileArena, type HostileArena } from '../helpers/hostile-arena.ts'
import { join } from 'node:path'
import { Store } from '../../node/store/index.ts'
import { AuditLog, decodeEntry } from '../../node/audit/index.ts'
import {
  Identity,
  MESSAGE_TYPE,
  RECEIPT_TYPE,
  EXCHANGE,
  batch,
  batchSince,
  digestOf,
  edgeCaseSignatures,
  envelopeBytes,
  frame,
  jsonBytes,
  malleate,
  messageFields,
  openBatchReceipt,
  openReceipt,
  pae,
  varint,
  concat,
  type HostileClient,
  type RawSignature,
  type ReceiptJson
} from '../helpers/hostile-client.ts'
import { EXCHANGE_PROTOCOL } from '../../protocol/frame.ts'
import { MAX_FRAME_BYTES, MAX_MESSAGE_PAYLOAD_BYTES } from '../../protocol/limits.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import type { ApiClient } from '../../node/api/client.ts'
import { nobleVerify, opensslVerify } from '../../protocol/ed25519.ts'
import { hashes, verify as nobleStockVerify } from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'

hashes.sha512 ??= sha512 // noble's own verify needs it wired

interface SpeccheckCase {
  message: string
  pub_key: string
  signature: string
}
const speccheck = JSON.parse(readFileSync(new URL('../vectors/speccheck/cases.json', import.meta.url), 'utf8')) as SpeccheckCase[]

describe('a trusted peer sending hostile input is refused, case by case', () => {
  let arena: HostileArena
  let target: TestNode
  let good: TestNode
  let hostile: HostileClient
  /** A second key on the target's trust list, never connected: the hostile peer's accomplice. */
  let accomplice: Identity
  let api: ApiClient
  /** Messages the hostile peer got accepted on purpose (the replay cases need one). */
  const accepted = new Set<string>()
  let goodTraffic: { stop: () => Promise<string[]> }
  const observed: Record<string, string> = {}

  beforeAll(async () => {
    accomplice = await Identity.create()
    arena = await openHostileArena({ alsoTrusted: { accomplice } })
    ;({ target, good, hostile } = arena)
    api = await target.client()
    goodTraffic = startGoodTraffic(await good.client(), target.peerId)
  })

  afterAll(async () => {
    await arena?.close()
  })

  /** A message payload from the hostile peer to the target, with overrides. */
  const payloadOf = (overrides: Record<string, unknown> = {}): Uint8Array => jsonBytes(messageFields(hostile.peerId, [target.peerId], overrides))

  const signed = (payload: Uint8Array, payloadType = MESSAGE_TYPE): Uint8Array =>
    envelopeBytes(payloadType, payload, [hostile.identity.signature(payloadType, payload)])

  /** Sends one frame on a fresh stream and returns the node's verified receipt. */
  async function receiptFor (frameBytes: Uint8Array): Promise<ReceiptJson> {
    const s = await hostile.openStream(target.address)
    await s.write(frameBytes)
    const receipt = openReceipt(await s.readFrame(), target.peerId)
    await s.closeWrite()
    return receipt
  }

  /** Sends `envelope` and expects a signed rejection with `reason` for its digest. */
  async function expectRejected (name: string, envelope: Uint8Array, reason: string, payloadType: string, payload: Uint8Array): Promise<ReceiptJson> {
    const receipt = await receiptFor(batch(envelope))
    observed[name] = `${receipt.status} ${receipt.reason ?? ''}`.trim()
    expect(receipt).toMatchObject({ v: 2, status: 'rejected', reason, by: target.peerId, for: digestOf(payloadType, payload) })
    expect(receipt.entry).toContain(`"from":"${hostile.peerId}"`)
    await expectNothingStored()
    return receipt
  }

  /** Sends raw bytes (optionally closing our side) and expects a reset with no receipt. */
  async function expectReset (name: string, bytes: Uint8Array, opts: { closeWrite?: boolean, withinMs?: number } = {}): Promise<void> {
    const s = await hostile.openStream(target.address)
    const started = Date.now()
    await s.write(bytes)
    if (opts.closeWrite === true) await s.closeWrite().catch(() => {})
    const end = await s.end(opts.withinMs ?? 5_000)
    observed[name] = end?.how ?? 'no reaction'
    expect(end?.how, `${name}: the stream should be reset`).toBe('reset')
    expect(Date.now() - started).toBeLessThan(opts.withinMs ?? 5_000)
    expect(s.unread, `${name}: no receipt for an unparseable envelope`).toBe(0)
    await expectNothingStored()
  }

  /**
   * Sends bytes that are no envelope as the first of a batch, a good message second: the first
   * gets BAD_ENVELOPE (digest null), the second is accepted — one bad envelope rejects only itself.
   */
  async function expectUnparseable (name: string, bytes: Uint8Array | string): Promise<void> {
    const good = payloadOf()
    const s = await hostile.openStream(target.address)
    await s.write(batch(bytes, signed(good)))
    const [bad, ok] = openBatchReceipt(await s.readFrame(), target.peerId)
    await s.closeWrite()
    observed[name] = `${bad.status} ${bad.reason ?? ''}`.trim()
    expect(bad).toMatchObject({ status: 'rejected', reason: 'BAD_ENVELOPE', for: null, messageId: null })
    expect(ok).toMatchObject({ status: 'accepted', for: digestOf(MESSAGE_TYPE, good) })
    accepted.add(digestOf(MESSAGE_TYPE, good))
    await expectNothingStored()
  }

  async function expectNothingStored (): Promise<void> {
    const fromHostile = await api.inbox({ from: hostile.peerId })
    const fromAccomplice = await api.inbox({ from: accomplice.peerId })
    expect(fromHostile.map(m => m.digest).sort()).toEqual([...accepted].sort())
    expect(fromAccomplice).toEqual([])
  }

  it('speaks the protocol the spec names (the hostile client hard-codes it)', () => {
    expect(EXCHANGE).toBe(EXCHANGE_PROTOCOL)
    expect(MESSAGE_TYPE).toBe(PAYLOAD_TYPES.message)
    expect(RECEIPT_TYPE).toBe(PAYLOAD_TYPES.receipt)
  })

  it('accepts a well-formed message from the hostile peer (the baseline every case departs from)', async () => {
    const payload = payloadOf()
    const receipt = await receiptFor(batch(signed(payload)))
    expect(receipt).toMatchObject({ status: 'accepted', for: digestOf(MESSAGE_TYPE, payload) })
    expect(receipt.reason).toBeUndefined()
    accepted.add(digestOf(MESSAGE_TYPE, payload))
    await expectNothingStored()
  })

  describe('frames and batches that cannot be parsed reset the stream', () => {
    it('a frame declaring more than MAX_FRAME_BYTES: reset at the prefix, before the body is buffered', async () => {
      // Only the prefix and 1 KiB follow; the node must not wait for (or buffer) the rest.
      await expectReset('frame over the limit', concat([varint(MAX_FRAME_BYTES + 1), new Uint8Array(1024)]), { withinMs: 3_000 })
      await until(() => target.output.includes('"reason":"TOO_LARGE"'), 5_000, 'TOO_LARGE reset logged')
    })

    it('a length prefix longer than 5 bytes (a varint that never ends)', async () => {
      await expectReset('endless varint', new Uint8Array(8).fill(0xff))
    })

    it('a non-minimal length prefix', async () => {
      await expectReset('non-minimal varint', concat([Uint8Array.of(0x85, 0x00), jsonBytes('hello')]))
    })

    it('a zero-length frame', async () => {
      await expectReset('zero-length frame', Uint8Array.of(0))
    })

    it('a truncated frame followed by the end of our writes', async () => {
      const whole = batch(signed(payloadOf()))
      await expectReset('truncated frame', whole.subarray(0, whole.length - 10), { closeWrite: true })
    })

    it('a frame whose prefix arrived but none of its body, then the end of our writes', async () => {
      await expectReset('prefix only, then end', varint(200), { closeWrite: true })
    })

    it('a batch with no envelope (only its since)', async () => {
      await expectReset('empty batch', frame(varint(0)))
    })

    it('a batch whose last envelope is cut short inside the frame', async () => {
      const inner = concat([varint(0), frame(signed(payloadOf()))])
      await expectReset('truncated batch', frame(inner.subarray(0, inner.length - 5)))
    })

    it('a batch with a non-minimal since', async () => {
      await expectReset('non-minimal since', frame(concat([Uint8Array.of(0x80, 0x00), frame(signed(payloadOf()))])))
    })

    it('a batch with an empty envelope', async () => {
      await expectReset('empty envelope in a batch', frame(concat([varint(0), Uint8Array.of(0)])))
    })
  })

  describe('envelopes that cannot be parsed are rejected one by one (BAD_ENVELOPE), the rest of their batch is not', () => {
    it('non-JSON', async () => {
      await expectUnparseable('non-JSON', 'this is not JSON at all')
    })

    it('invalid UTF-8', async () => {
      await expectUnparseable('invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d))
    })

    it('JSON with duplicate keys (a lenient parser would read a valid, signed message)', async () => {
      const payload = payloadOf()
      const sig = Buffer.from(hostile.identity.sign(pae(MESSAGE_TYPE, payload))).toString('base64')
      const text = `{"payloadType":"${RECEIPT_TYPE}","payloadType":"${MESSAGE_TYPE}","payload":"${
        Buffer.from(payload).toString('base64')
      }","signatures":[{"keyid":"${hostile.peerId}","sig":"${sig}"}]}`
      // JSON.parse keeps the last payloadType: the envelope it sees is genuine and acceptable.
      expect((JSON.parse(text) as { payloadType: string }).payloadType).toBe(MESSAGE_TYPE)
      await expectUnparseable('duplicate keys', text)
    })

    it('an envelope with an unknown field', async () => {
      const env = JSON.parse(Buffer.from(signed(payloadOf())).toString()) as Record<string, unknown>
      await expectUnparseable('unknown envelope field', JSON.stringify({ ...env, extra: true }))
    })

    it('payload that is not base64', async () => {
      await expectUnparseable('bad base64 payload', envelopeBytes(MESSAGE_TYPE, { base64: 'not base64!' }, []))
    })

    it('payload base64 with non-zero trailing bits (a second spelling of the same bytes)', async () => {
      await expectUnparseable('non-canonical base64', envelopeBytes(MESSAGE_TYPE, { base64: 'aGl=' }, []))
    })

    it('a signature that is not base64', async () => {
      await expectUnparseable('bad base64 sig', envelopeBytes(MESSAGE_TYPE, payloadOf(), [{ keyid: hostile.peerId, sig: '@@@@' }]))
    })

    it('more than MAX_SIGNATURES signatures', async () => {
      const payload = payloadOf()
      const sig = hostile.identity.signature(MESSAGE_TYPE, payload)
      await expectUnparseable('too many signatures', envelopeBytes(MESSAGE_TYPE, payload, [sig, sig, sig, sig, sig]))
    })
  })

  describe('envelopes that parse but fail get a signed rejection', () => {
    it('wrong payload type: BAD_PAYLOAD_TYPE', async () => {
      const payload = payloadOf()
      await expectRejected('wrong payload type', signed(payload, RECEIPT_TYPE), 'BAD_PAYLOAD_TYPE', RECEIPT_TYPE, payload)
    })

    it('no signature at all (empty signatures array): BAD_SIGNATURE', async () => {
      const payload = payloadOf()
      await expectRejected('missing signature', envelopeBytes(MESSAGE_TYPE, payload, []), 'BAD_SIGNATURE', MESSAGE_TYPE, payload)
    })

    it('a signature by another trusted peer: SIGNER_MISMATCH', async () => {
      const payload = payloadOf({ from: accomplice.peerId })
      const env = envelopeBytes(MESSAGE_TYPE, payload, [accomplice.signature(MESSAGE_TYPE, payload)])
      await expectRejected('signed by another trusted peer', env, 'SIGNER_MISMATCH', MESSAGE_TYPE, payload)
    })

    it('a signature by another trusted peer under our keyid: BAD_SIGNATURE (keyid is only a hint)', async () => {
      const payload = payloadOf({ from: accomplice.peerId })
      const env = envelopeBytes(MESSAGE_TYPE, payload, [accomplice.signature(MESSAGE_TYPE, payload, hostile.peerId)])
      await expectRejected('other trusted key, own keyid', env, 'BAD_SIGNATURE', MESSAGE_TYPE, payload)
    })

    it('a signature by an untrusted key: BAD_SIGNATURE', async () => {
      const stranger = await Identity.create()
      const payload = payloadOf()
      const env = envelopeBytes(MESSAGE_TYPE, payload, [stranger.signature(MESSAGE_TYPE, payload)])
      await expectRejected('untrusted signer', env, 'BAD_SIGNATURE', MESSAGE_TYPE, payload)
    })

    it('a valid signature over a different payload: BAD_SIGNATURE', async () => {
      const payload = payloadOf()
      const other = payloadOf()
      const env = envelopeBytes(MESSAGE_TYPE, payload, [hostile.identity.signature(MESSAGE_TYPE, other)])
      await expectRejected('signature over another payload', env, 'BAD_SIGNATURE', MESSAGE_TYPE, payload)
    })

    it('a malleated signature (S + L): BAD_SIGNATURE', async () => {
      const payload = payloadOf()
      const honest = hostile.identity.signature(MESSAGE_TYPE, payload)
      const env = envelopeBytes(MESSAGE_TYPE, payload, [{ keyid: hostile.peerId, sig: malleate(honest.sig as Uint8Array) }])
      await expectRejected('S + L', env, 'BAD_SIGNATURE', MESSAGE_TYPE, payload)
    })

    // The speccheck edge cases need a small-order or mixed-order public key, which no trusted
    // peer can have (admission refuses them) and no Noise identity can authenticate as. What a
    // trusted peer *can* do is craft the same kinds of R and S with its own key, so that
    // lenient verifiers accept them (next test). The node must not.
    it('the crafted signatures are ones lenient Ed25519 verifiers accept (so the cases below mean something)', () => {
      const message = pae(MESSAGE_TYPE, payloadOf())
      const sigs = edgeCaseSignatures(hostile.identity, message)
      const pub = hostile.identity.publicKey
      // ZIP-215 (noble's default) accepts every crafted R; a cofactored strict verifier the
      // small-order and mixed-order ones. No verifier accepts S ≥ L.
      expect(nobleStockVerify(sigs['small-order R'], message, pub)).toBe(true)
      expect(nobleStockVerify(sigs['non-canonical R'], message, pub)).toBe(true)
      expect(nobleStockVerify(sigs['mixed-order R'], message, pub)).toBe(true)
      expect(nobleStockVerify(sigs['small-order R'], message, pub, { zip215: false })).toBe(true)
      expect(nobleStockVerify(sigs['mixed-order R'], message, pub, { zip215: false })).toBe(true)
      // The protocol's rule (both implementations) refuses all of them.
      for (const [name, sig] of Object.entries(sigs)) {
        expect(opensslVerify(pub, message, sig), name).toBe(false)
        expect(nobleVerify(pub, message, sig), name).toBe(false)
      }
      expect(opensslVerify(pub, message, hostile.identity.sign(message))).toBe(true)
    })

    for (const name of ['small-order R', 'non-canonical R', 'mixed-order R', 'S >> L']) {
      it(`a crafted signature with ${name} by the peer's own key: BAD_SIGNATURE`, async () => {
        const payload = payloadOf()
        const sig = edgeCaseSignatures(hostile.identity, pae(MESSAGE_TYPE, payload))[name]
        const env = envelopeBytes(MESSAGE_TYPE, payload, [{ keyid: hostile.peerId, sig }])
        await expectRejected(`crafted ${name}`, env, 'BAD_SIGNATURE', MESSAGE_TYPE, payload)
      })
    }

    it('the speccheck signatures placed into envelopes: BAD_SIGNATURE, every one', async () => {
      const payload = payloadOf()
      const reasons = new Set<string>()
      for (let i = 0; i < speccheck.length; i += 4) {
        const sigs: RawSignature[] = speccheck.slice(i, i + 4).map(c => ({ keyid: hostile.peerId, sig: new Uint8Array(Buffer.from(c.signature, 'hex')) }))
        const receipt = await expectRejected('speccheck signatures', envelopeBytes(MESSAGE_TYPE, payload, sigs), 'BAD_SIGNATURE', MESSAGE_TYPE, payload)
        reasons.add(receipt.reason ?? '')
      }
      expect([...reasons]).toEqual(['BAD_SIGNATURE'])
    })

    it('a valid signature next to a bad one still verifies (any signature by the peer counts)', async () => {
      const payload = payloadOf()
      const honest = hostile.identity.signature(MESSAGE_TYPE, payload)
      const env = envelopeBytes(MESSAGE_TYPE, payload, [{ keyid: hostile.peerId, sig: malleate(honest.sig as Uint8Array) }, honest])
      const receipt = await receiptFor(batch(env))
      expect(receipt.status).toBe('accepted')
      accepted.add(digestOf(MESSAGE_TYPE, payload))
      await expectNothingStored()
    })

    it('`from` is another trusted peer while the signature is ours: SIGNER_MISMATCH', async () => {
      const payload = payloadOf({ from: accomplice.peerId })
      await expectRejected('from ≠ authenticated peer', signed(payload), 'SIGNER_MISMATCH', MESSAGE_TYPE, payload)
    })

    it('a schema-invalid payload (unknown kind): SCHEMA_INVALID', async () => {
      const payload = payloadOf({ kind: 'gossip' })
      await expectRejected('schema-invalid (kind)', signed(payload), 'SCHEMA_INVALID', MESSAGE_TYPE, payload)
    })

    it('a schema-invalid payload (v written as 1.0): SCHEMA_INVALID', async () => {
      const text = Buffer.from(payloadOf()).toString().replace('"v":1', '"v":1.0')
      const payload = new Uint8Array(Buffer.from(text))
      await expectRejected('schema-invalid (v 1.0)', signed(payload), 'SCHEMA_INVALID', MESSAGE_TYPE, payload)
    })

    it('a payload with duplicate keys: SCHEMA_INVALID', async () => {
      const text = Buffer.from(payloadOf()).toString().replace('"kind":"report"', '"kind":"report","kind":"alert"')
      const payload = new Uint8Array(Buffer.from(text))
      await expectRejected('payload duplicate keys', signed(payload), 'SCHEMA_INVALID', MESSAGE_TYPE, payload)
    })

    it('a message payload over MAX_MESSAGE_PAYLOAD_BYTES inside a legal frame: TOO_LARGE', async () => {
      const payload = payloadOf({ body: { pad: 'x'.repeat(MAX_MESSAGE_PAYLOAD_BYTES) } })
      await expectRejected('payload over the limit', signed(payload), 'TOO_LARGE', MESSAGE_TYPE, payload)
    })

    it('expired: EXPIRED', async () => {
      const payload = payloadOf({ created: new Date(Date.now() - 7_200_000).toISOString(), expires: new Date(Date.now() - 3_600_000).toISOString() })
      await expectRejected('expired', signed(payload), 'EXPIRED', MESSAGE_TYPE, payload)
    })

    it('created in the future beyond the allowed skew: CLOCK_SKEW', async () => {
      const created = Date.now() + 60 * 60_000
      const payload = payloadOf({ created: new Date(created).toISOString(), expires: new Date(created + 86_400_000).toISOString() })
      await expectRejected('clock skew', signed(payload), 'CLOCK_SKEW', MESSAGE_TYPE, payload)
    })

    it('not addressed to this node: NOT_ADDRESSED', async () => {
      const payload = jsonBytes(messageFields(hostile.peerId, [good.peerId]))
      await expectRejected('not addressed', signed(payload), 'NOT_ADDRESSED', MESSAGE_TYPE, payload)
    })
  })

  describe('replays', () => {
    let original: { payload: Uint8Array, fields: Record<string, unknown>, receipt: ReceiptJson }

    beforeAll(async () => {
      const fields = messageFields(hostile.peerId, [target.peerId])
      const payload = jsonBytes(fields)
      const s = await hostile.openStream(target.address)
      await s.write(batch(signed(payload)))
      const receipt = openReceipt(await s.readFrame(), target.peerId)
      await s.closeWrite()
      expect(receipt.status).toBe('accepted')
      accepted.add(digestOf(MESSAGE_TYPE, payload))
      original = { payload, fields, receipt }
    })

    it('the same id with a different body: REPLAY, and the original stays', async () => {
      const payload = jsonBytes({ ...original.fields, body: { note: 'a different body under the same id' } })
      await expectRejected('replay, different body', signed(payload), 'REPLAY', MESSAGE_TYPE, payload)
      const stored = await api.inbox({ from: hostile.peerId })
      expect(stored.filter(m => m.id === original.fields.id).map(m => m.digest)).toEqual([digestOf(MESSAGE_TYPE, original.payload)])
    })

    it('the exact envelope again: the ORIGINAL entry and leaf come back (under a checkpoint that still covers it) and it is stored once', async () => {
      const s = await hostile.openStream(target.address)
      await s.write(batch(signed(original.payload)))
      const again = openReceipt(await s.readFrame(), target.peerId)
      await s.closeWrite()
      observed['exact replay'] = again.leaf === original.receipt.leaf && again.entry === original.receipt.entry ? 'original leaf and entry' : 'new entry'
      expect(again).toMatchObject({ status: 'accepted', leaf: original.receipt.leaf, entry: original.receipt.entry })
      expect(again.size).toBeGreaterThanOrEqual(original.receipt.size)
      const stored = await api.inbox({ from: hostile.peerId })
      expect(stored.filter(m => m.id === original.fields.id)).toHaveLength(1)
      await expectNothingStored()
    })

    it('the same payload re-signed (new signature bytes, same digest): the original receipt again', async () => {
      // Ed25519 signatures are deterministic, so a "re-signature" here adds a second copy.
      const sig = hostile.identity.signature(MESSAGE_TYPE, original.payload)
      const env = envelopeBytes(MESSAGE_TYPE, original.payload, [sig, sig])
      const s = await hostile.openStream(target.address)
      await s.write(batch(env))
      const again = openReceipt(await s.readFrame(), target.peerId)
      await s.closeWrite()
      expect(again).toMatchObject({ status: 'accepted', leaf: original.receipt.leaf, entry: original.receipt.entry })
      await expectNothingStored()
    })

    it('the same envelope twice in one batch, next to a REPLAY of it: one leaf for both copies, REPLAY for the other', async () => {
      const fields = messageFields(hostile.peerId, [target.peerId])
      const payload = jsonBytes(fields)
      const other = jsonBytes({ ...fields, body: { note: 'same id, other body' } })
      const s = await hostile.openStream(target.address)
      await s.write(batch(signed(payload), signed(other), signed(payload)))
      const [first, replay, second] = openBatchReceipt(await s.readFrame(), target.peerId)
      await s.closeWrite()
      expect(first).toMatchObject({ status: 'accepted', for: digestOf(MESSAGE_TYPE, payload) })
      expect(second).toMatchObject({ status: 'accepted', leaf: first.leaf, entry: first.entry })
      expect(replay).toMatchObject({ status: 'rejected', reason: 'REPLAY', for: digestOf(MESSAGE_TYPE, other) })
      accepted.add(digestOf(MESSAGE_TYPE, payload))
      await expectNothingStored()
    })
  })

  it('many hostile cases in batches pipelined on one stream are answered in order, one batch receipt each, one result per envelope', async () => {
    const cases: Array<{ env: Uint8Array, reason: string, digest: string }> = []
    for (let i = 0; i < 50; i++) {
      const expired = payloadOf({ created: new Date(Date.now() - 7_200_000).toISOString(), expires: new Date(Date.now() - 3_600_000).toISOString() })
      const unsigned = payloadOf()
      const typed = payloadOf()
      cases.push(
        { env: signed(expired), reason: 'EXPIRED', digest: digestOf(MESSAGE_TYPE, expired) },
        { env: envelopeBytes(MESSAGE_TYPE, unsigned, []), reason: 'BAD_SIGNATURE', digest: digestOf(MESSAGE_TYPE, unsigned) },
        { env: signed(typed, RECEIPT_TYPE), reason: 'BAD_PAYLOAD_TYPE', digest: digestOf(RECEIPT_TYPE, typed) }
      )
    }
    const s = await hostile.openStream(target.address)
    const batches = [cases.slice(0, 50), cases.slice(50, 100), cases.slice(100)]
    // The second batch claims to hold a checkpoint of size 1: the receipt proves consistency from it.
    await s.write(concat(batches.map((b, i) => batchSince(i === 1 ? 1 : 0, ...b.map(c => c.env)))))
    for (const b of batches) {
      const results = openBatchReceipt(await s.readFrame(), target.peerId)
      expect(results).toHaveLength(b.length)
      b.forEach((c, i) => {
        expect(results[i]).toMatchObject({ status: 'rejected', reason: c.reason, for: c.digest })
      })
    }
    await s.closeWrite()
    expect((await s.end())?.how).toBe('closed')
    await expectNothingStored()
  })

  describe("policy, as the target's operator set it for this peer", () => {
    /** Narrow the hostile peer's record for one case, then put it back. */
    async function withRecord (patch: Parameters<typeof api.updatePeer>[1], body: () => Promise<void>): Promise<void> {
      const before = await api.peer(hostile.peerId)
      await api.updatePeer(hostile.peerId, patch)
      try {
        await body()
      } finally {
        await api.updatePeer(hostile.peerId, { maxTlpIn: before.maxTlpIn, topicsIn: before.topicsIn, agreements: before.agreements, kinds: before.kinds })
      }
    }

    it("TLP above the peer's inbound ceiling: TLP_NOT_PERMITTED", async () => {
      await withRecord({ maxTlpIn: 'GREEN' }, async () => {
        const p = payloadOf({ tlp: 'AMBER' })
        await expectRejected('TLP above the ceiling', signed(p), 'TLP_NOT_PERMITTED', MESSAGE_TYPE, p)
      })
    })

    it('a topic the peer may not send: TOPIC_NOT_PERMITTED', async () => {
      await withRecord({ topicsIn: ['cyber'] }, async () => {
        const p = payloadOf({ topic: 'hostile-test' })
        await expectRejected('topic not allowed', signed(p), 'TOPIC_NOT_PERMITTED', MESSAGE_TYPE, p)
      })
    })

    it('an agreement that has expired: AGREEMENT_INVALID', async () => {
      const expired = { id: 'OLD-MLA-2019', validFrom: '2019-01-01T00:00:00.000Z', validUntil: '2020-12-31T23:59:59.999Z' }
      const current = (await api.peer(hostile.peerId)).agreements
      await withRecord({ agreements: [...current, expired] }, async () => {
        const p = payloadOf({ legalBasis: expired.id })
        await expectRejected('agreement expired', signed(p), 'AGREEMENT_INVALID', MESSAGE_TYPE, p)
      })
    })

    it('a suspended peer is refused at the connection: no stream, nothing read, nothing stored', async () => {
      await api.setPeerStatus(hostile.peerId, 'suspended')
      try {
        await expect(hostile.openStream(target.address)).rejects.toThrow()
        observed['suspended peer'] = 'connection refused'
        await expectNothingStored()
      } finally {
        await api.setPeerStatus(hostile.peerId, 'active')
      }
      // Resumed: it is heard again.
      const p = payloadOf()
      const receipt = await receiptFor(batch(signed(p)))
      expect(receipt.status).toBe('accepted')
      accepted.add(digestOf(MESSAGE_TYPE, p))
    })
  })

  it('the well-behaved peer delivered everything it sent during the hostile session', async () => {
    const stoppedAt = Date.now()
    const sent = await goodTraffic.stop()
    expect(sent.length).toBeGreaterThan(20)
    const goodApi = await good.client()
    await until(
      async () => (await goodApi.outbox()).filter(r => sent.includes(r.messageId) && r.status === 'delivered').length === sent.length,
      30_000,
      'good traffic delivered'
    )
    const inbox = await api.inbox({ from: good.peerId })
    expect(inbox.map(m => m.id).sort()).toEqual([...sent].sort())
    // …and it was flowing while the hostile cases ran, not only afterwards.
    expect(inbox.filter(m => m.storedAt < stoppedAt).length).toBeGreaterThan(10)
    console.log('hostile-input observed outcomes:\n' + Object.entries(observed).map(([k, v]) => `  ${k}: ${v}`).join('\n'))
  })

  it('a revoked peer is refused at the connection for good', async () => {
    await api.setPeerStatus(hostile.peerId, 'revoked')
    await expect(hostile.openStream(target.address)).rejects.toThrow()
    observed['revoked peer'] = 'connection refused'
    await expect(api.setPeerStatus(hostile.peerId, 'active')).rejects.toMatchObject({ code: 'PEER_REVOKED' })
    await expectNothingStored()
  })

  it('audits every refusal as a rejection leaf with its reason code, and the log verifies', async () => {
    await target.stop()
    const store = await Store.open(join(target.dir, 'store'))
    const reasons = new Set<string>()
    try {
      const log = await AuditLog.open(store, { install: false })
      for (let i = 0; i < log.size; i++) {
        const entry = decodeEntry((await log.entry(i))!) as unknown as { type: string, from?: string, reason?: string }
        if (entry.type === 'message.rejected' && entry.from === hostile.peerId) reasons.add(entry.reason!)
      }
    } finally {
      await store.close()
    }
    const expected = new Set(Object.values(observed).filter(v => v.startsWith('rejected ')).map(v => v.slice('rejected '.length)))
    expect(expected.size).toBeGreaterThan(5)
    expect([...expected].filter(r => !reasons.has(r))).toEqual([])
    // Stream resets are audited too, with the code that caused them.
    for (const code of ['BAD_ENVELOPE', 'BAD_FRAME', 'TOO_LARGE']) expect(reasons).toContain(code)
    const verify = await cli(['audit', 'verify', '--data-dir', target.dir])
    expect(verify.code).toBe(0)
  })
})

/** Sends a message from `client` to `to` every 25 ms until stopped; returns the ids sent. */
function startGoodTraffic (client: ApiClient, to: string): { stop: () => Promise<string[]> } {
  const ids: string[] = []
  let running = true
  const loop = (async () => {
    let n = 0
    while (running) {
      const res = await client.send({ to: [to], kind: 'report', tlp: 'GREEN', topic: 'good-traffic', legalBasis: TEST_AGREEMENT, body: { n: n++ } })
      ids.push(res.id)
      await new Promise(resolve => setTimeout(resolve, 25))
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return ids
    }
  }
}
