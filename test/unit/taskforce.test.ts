/**
 * Task force charters (PROTOCOL.md §21), the pure layer: the committed fixtures are exactly what
 * scripts/make-taskforce-fixtures.ts builds and verify independently (SHA-256 of PAE and
 * Ed25519 with node:crypto alone); the schema refuses what §21.1 forbids; signatures are
 * checked against the members' peer-ID keys; the governance rules decide validity and what is
 * in effect on each member's node; a message fits a charter or is told why not.
 */
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeEnvelope, encodeEnvelope, pae } from '../../protocol/envelope.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { encodeMessage, parseMessage } from '../../protocol/message.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import {
  MAX_TASKFORCE_MEMBERS,
  addSignature,
  buildChain,
  checkCharterEnvelope,
  effectOn,
  encodeCharter,
  encodeNotice,
  memberIds,
  messageProblem,
  openCharter,
  openHistory,
  parseCharter,
  parseNotice,
  signCharter,
  validateCharter,
  verifyHistory,
  type CharterV1,
  type SignedCharter
} from '../../protocol/taskforce/index.ts'
import { signerFromSeed } from '../../protocol/keys.ts'
import { PAYLOAD_TYPES, type Signer } from '../../protocol/types.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { buildTaskForceExample, TASKFORCE_FIXTURES_DIR } from '../../scripts/make-taskforce-fixtures.ts'
import { freshMessage } from '../helpers/messages.ts'
import { insideForwardRule } from '../../node/taskforce/forwarding.ts'
import { instantOf } from '../../node/cli/taskforce-commands.ts'

const example = buildTaskForceExample()
const [A, B, C] = example.signers
const committed = (name: string): Buffer => readFileSync(new URL(name, TASKFORCE_FIXTURES_DIR))
const code = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return err instanceof ProtocolError ? err.code : String(err)
  }
  return undefined
}
const T0 = Date.parse('2026-05-01T00:00:00.000Z')
const signed = (c: CharterV1, by: Signer[], previousMembers: string[] = []): SignedCharter => {
  let env = signCharter(encodeCharter(c), by[0])
  for (const s of by.slice(1)) env = addSignature(checkCharterEnvelope(env, previousMembers), s)
  return checkCharterEnvelope(env, previousMembers)
}
const next = (prev: SignedCharter, fields: Partial<CharterV1>): CharterV1 => ({
  ...prev.charter,
  version: prev.charter.version + 1,
  previous: prev.digest,
  proposed: '2026-05-02T00:00:00.000Z',
  ...fields
})

describe('task force fixtures (known answers)', () => {
  it('are byte for byte what scripts/make-taskforce-fixtures.ts builds, and nothing else', () => {
    expect(readdirSync(TASKFORCE_FIXTURES_DIR).sort()).toEqual(Object.keys(example.files).sort())
    for (const [name, bytes] of Object.entries(example.files)) expect(committed(name).equals(Buffer.from(bytes)), name).toBe(true)
  })

  it("digest is SHA-256 of PAE, and every signature verifies under its member's peer-ID key with node:crypto alone", () => {
    for (const v of ['v1', 'v2']) {
      const env = JSON.parse(committed(`charter-${v}.envelope.json`).toString('utf8')) as {
        payloadType: string,
        payload: string,
        signatures: Array<{ keyid: string, sig: string }>
      }
      const payload = Buffer.from(env.payload, 'base64')
      expect(payload.equals(committed(`charter-${v}.json`))).toBe(true)
      expect(env.payloadType).toBe('application/vnd.liaison.taskforce-charter.v1+json')
      const pae = Buffer.concat([Buffer.from(`DSSEv1 ${env.payloadType.length} ${env.payloadType} ${payload.length} `), payload])
      expect(createHash('sha256').update(pae).digest('hex') + '\n').toBe(committed(`charter-${v}.digest.txt`).toString())
      for (const s of env.signatures) {
        const key = createPublicKey({
          key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKeyFromPeerId(s.keyid)]),
          format: 'der',
          type: 'spki'
        })
        expect(verify(null, pae, key, Buffer.from(s.sig, 'base64')), s.keyid).toBe(true)
      }
    }
    expect(committed('charter-v1.digest.txt').toString().trim()).toBe('34fd9ecd232cbc3025c1a9cfda6bebff06dda961d341e5e6c2a448c247a5c9ae')
  })

  it('makes a history of two valid versions, verifiable from the envelopes alone', () => {
    const chain = verifyHistory([committed('charter-v1.envelope.json'), committed('charter-v2.envelope.json')].map(b => new Uint8Array(b)))
    expect(chain.valid.map(l => [l.charter.version, l.kind, l.signers])).toEqual([
      [1, 'founding', [A.peerId, B.peerId, C.peerId].sort()],
      [2, 'amendment', [A.peerId, B.peerId].sort()]
    ])
    expect(effectOn(chain.valid, C.peerId, T0).state).toBe('removed')
    expect(effectOn(chain.valid, B.peerId, T0)).toMatchObject({ state: 'in-effect', effective: { charter: { version: 2 } } })
    expect(code(() => openHistory([committed('charter-v2.envelope.json')].map(b => new Uint8Array(b))))).toBe('SCHEMA_INVALID')
  })
})

describe('charter schema', () => {
  const v1 = example.v1
  it('round-trips in the fixed key order and refuses unknown fields', () => {
    expect(parseCharter(encodeCharter(v1))).toEqual(v1)
    expect(Object.keys(parseCharter(encodeCharter({ ...v1 })))).toEqual(Object.keys(v1))
    expect(code(() => validateCharter({ ...v1, chair: A.peerId }))).toBe('SCHEMA_INVALID')
  })

  it.each([
    ['previous in version 1', { previous: 'ab'.repeat(32) }],
    ['no previous in version 2', { version: 2 }],
    ['a repeated member', { members: [v1.members[0], v1.members[0]] }],
    ['no members', { members: [] }],
    ['a quorum above the members', { governance: { quorum: 4 } }],
    ['a quorum of 0', { governance: { quorum: 0 } }],
    ['validity ending before it starts', { validUntil: v1.validFrom }],
    ['a topic that is not a slug', { topics: ['Fraud'] }],
    ['no topics', { topics: [] }],
    ['an unknown TLP', { maxTlp: 'PURPLE' }],
    ['an unknown handling code', { handling: ['keep-secret'] }],
    ['an unknown status', { status: 'paused' }],
    ['a member with an unknown field', { members: [{ ...v1.members[0], role: 'chair' }, v1.members[1]] }],
    ['a version written as 1.5', { version: 1.5 }]
  ])('refuses %s with SCHEMA_INVALID', (_what, fields) => {
    expect(code(() => validateCharter({ ...v1, ...fields }))).toBe('SCHEMA_INVALID')
  })

  it('accepts up to MAX_TASKFORCE_MEMBERS members, one signature each (more than a message envelope may carry)', () => {
    const signers = Array.from({ length: MAX_TASKFORCE_MEMBERS }, () => signerFromSeed(new Uint8Array(randomBytes(32))))
    const c: CharterV1 = {
      ...v1,
      members: signers.map((s, i) => ({ peerId: s.peerId, name: `agency ${i}` })),
      proposedBy: signers[0].peerId,
      governance: { quorum: 17 }
    }
    const payload = encodeCharter(c)
    const paeBytes = pae(PAYLOAD_TYPES.taskforceCharter, payload)
    const env = { payloadType: PAYLOAD_TYPES.taskforceCharter, payload, signatures: signers.map(x => ({ keyid: x.peerId, sig: x.sign(paeBytes) })) }
    const reopened = openCharter(encodeEnvelope(env))
    expect(reopened.signers).toHaveLength(MAX_TASKFORCE_MEMBERS)
    expect(code(() => validateCharter({ ...c, members: [...c.members, { peerId: A.peerId, name: 'one too many' }] }))).toBe('SCHEMA_INVALID')
  })
})

describe('charter signatures', () => {
  const s1 = signed(example.v1, [A])
  it('refuses a forged signature, a signer who is no member, and a member signing twice, with BAD_SIGNATURE', () => {
    const forged = { ...s1.envelope, signatures: [...s1.envelope.signatures, { keyid: B.peerId, sig: new Uint8Array(randomBytes(64)) }] }
    expect(code(() => checkCharterEnvelope(forged))).toBe('BAD_SIGNATURE')
    const outsider = signerFromSeed(new Uint8Array(randomBytes(32)))
    expect(code(() => checkCharterEnvelope(addSignature({ ...s1, signers: [] }, outsider)))).toBe('BAD_SIGNATURE')
    const twice = { ...s1.envelope, signatures: [s1.envelope.signatures[0], s1.envelope.signatures[0]] }
    expect(code(() => checkCharterEnvelope(twice))).toBe('BAD_SIGNATURE')
    // B's real signature over another charter is no signature over this one.
    const other = signed({ ...example.v1, name: 'other' }, [B])
    expect(code(() => checkCharterEnvelope({ ...s1.envelope, signatures: [...s1.envelope.signatures, other.envelope.signatures[0]] }))).toBe('BAD_SIGNATURE')
  })

  it('keeps the digest when signatures are added, and refuses another payload type', () => {
    expect(signed(example.v1, [A, B, C]).digest).toBe(s1.digest)
    expect(code(() => checkCharterEnvelope({ ...s1.envelope, payloadType: PAYLOAD_TYPES.message }))).toBe('BAD_PAYLOAD_TYPE')
  })
})

describe('governance', () => {
  const f1 = signed(example.v1, [A])
  const f2 = signed(example.v1, [A, B])
  const f3 = signed(example.v1, [A, B, C])
  const all = memberIds(example.v1)

  it('a founding version is valid with the quorum, and in effect on a member only with its own signature', () => {
    expect(buildChain([f1]).valid).toEqual([])
    expect(buildChain([f1]).pending.map(p => p.digest)).toEqual([f1.digest])
    const { valid } = buildChain([f2])
    expect(valid.map(l => l.kind)).toEqual(['founding'])
    expect(effectOn(valid, A.peerId, T0).state).toBe('in-effect')
    expect(effectOn(valid, C.peerId, T0).state).toBe('awaiting-signatures')
    expect(effectOn(buildChain([f3]).valid, C.peerId, T0).state).toBe('in-effect')
    expect(effectOn(valid, A.peerId, Date.parse(example.v1.validFrom) - 1).state).toBe('not-yet-valid')
    expect(effectOn(valid, A.peerId, Date.parse(example.v1.validUntil) + 1).state).toBe('expired')
  })

  it('an amendment needs the quorum of the current members; one signature leaves the version before in effect', () => {
    const widen = next(f3, { topics: ['fraud', 'money-laundering', 'cybercrime'], proposedBy: A.peerId })
    const one = signed(widen, [A], all)
    const chain1 = buildChain([f3, one])
    expect(chain1.valid.map(l => l.charter.version)).toEqual([1])
    expect(effectOn(chain1.valid, A.peerId, T0).effective?.charter.version).toBe(1)
    const two = signed(widen, [A, C], all)
    const chain2 = buildChain([f3, two])
    expect(chain2.valid.map(l => l.kind)).toEqual(['founding', 'amendment'])
    expect(effectOn(chain2.valid, A.peerId, T0).effective?.charter.version).toBe(2)
    // B did not sign version 2: version 1 stays in effect on B's node.
    expect(effectOn(chain2.valid, B.peerId, T0).effective?.charter.version).toBe(1)
    // New members' signatures do not count towards the quorum of the current ones.
    const d = signerFromSeed(new Uint8Array(randomBytes(32)))
    const add = next(f3, { members: [...example.v1.members, { peerId: d.peerId, name: 'Agency D' }], proposedBy: A.peerId })
    expect(buildChain([f3, signed(add, [A, d], all)]).valid).toHaveLength(1)
    const added = buildChain([f3, signed(add, [A, B, d], all)])
    expect(effectOn(added.valid, d.peerId, T0).effective?.charter.version).toBe(2)
  })

  it('removes a member by quorum, lets a member leave alone, and ends with a dissolution', () => {
    const remove = next(f3, { members: example.v1.members.slice(0, 2), proposedBy: A.peerId })
    const removed = buildChain([f3, signed(remove, [A, B], all)])
    expect(effectOn(removed.valid, C.peerId, T0).state).toBe('removed')
    const leave = next(f3, { members: example.v1.members.slice(0, 2), proposedBy: C.peerId })
    const left = buildChain([f3, signed(leave, [C], all)])
    expect(left.valid.map(l => l.kind)).toEqual(['founding', 'leave'])
    expect(effectOn(left.valid, C.peerId, T0).state).toBe('left')
    // The leave takes effect on the others without their signature.
    expect(effectOn(left.valid, A.peerId, T0).effective?.charter.version).toBe(2)
    // A "leave" that changes something else is an amendment, and needs the quorum.
    expect(buildChain([f3, signed({ ...leave, maxTlp: 'RED' }, [C], all)]).valid).toHaveLength(1)
    const dissolve = next(f3, { status: 'dissolved', proposedBy: B.peerId })
    const ended = buildChain([f3, signed(dissolve, [B, C], all)])
    expect(effectOn(ended.valid, A.peerId, T0).state).toBe('dissolved')
    expect(buildChain([...ended.valid, signed(next(ended.valid[1], { proposedBy: A.peerId, status: 'active' }), [A, B, C], all)]).superseded).toHaveLength(1)
  })

  it('a member removed and later listed again is a member anew: bound once it signs the version that re-adds it', () => {
    const remove = signed(next(f3, { members: example.v1.members.slice(0, 2), proposedBy: A.peerId }), [A, B], all)
    const readd = next(remove, { members: example.v1.members, proposedBy: A.peerId, proposed: '2026-05-03T00:00:00.000Z' })
    const before = buildChain([f3, remove, signed(readd, [A, B], memberIds(remove.charter))])
    expect(before.valid.map(l => l.kind)).toEqual(['founding', 'amendment', 'amendment'])
    expect(effectOn(before.valid, C.peerId, T0)).toEqual({ state: 'awaiting-signatures' })
    const joined = buildChain([f3, remove, signed(readd, [A, B, C], memberIds(remove.charter))])
    expect(effectOn(joined.valid, C.peerId, T0)).toMatchObject({ state: 'in-effect', effective: { charter: { version: 3 } } })
    // Taken out again, it is removed again.
    const again = signed(next(joined.valid[2], { members: example.v1.members.slice(0, 2), proposedBy: B.peerId }), [A, B], all)
    expect(effectOn(buildChain([...joined.valid, again]).valid, C.peerId, T0).state).toBe('removed')
  })

  it('expiry ends a task force; an amendment extending validUntil, signed by the quorum, revives it', () => {
    const after = Date.parse(example.v1.validUntil) + 86_400_000
    expect(effectOn(buildChain([f3]).valid, A.peerId, after).state).toBe('expired')
    const extend = signed(next(f3, { validUntil: new Date(after + 86_400_000).toISOString(), proposedBy: A.peerId }), [A, B], all)
    const chain = buildChain([f3, extend])
    expect(effectOn(chain.valid, A.peerId, after)).toMatchObject({ state: 'in-effect', effective: { charter: { version: 2 } } })
    // C did not sign the extension: version 1 stays in effect on C's node, and it has expired there.
    expect(effectOn(chain.valid, C.peerId, after)).toMatchObject({ state: 'expired', effective: { charter: { version: 1 } } })
  })

  it('of two competing versions the first valid one wins; the other is superseded', () => {
    const x = signed(next(f3, { name: 'X', proposedBy: A.peerId }), [A, B], all)
    const y = signed(next(f3, { name: 'Y', proposedBy: C.peerId }), [C, B], all)
    const chain = buildChain([f3, x, y])
    expect(chain.valid.map(l => l.charter.name)).toEqual(['JIT Rhine', 'X'])
    expect(chain.superseded.map(s => s.charter.name)).toEqual(['Y'])
  })
})

describe('messages under a charter', () => {
  const c = example.v1
  const ok = {
    from: A.peerId,
    to: [B.peerId, C.peerId],
    topic: 'fraud',
    tlp: 'AMBER' as const,
    legalBasis: 'JIT-2026-04',
    handling: ['no-judicial-use-without-consent']
  }
  it.each([
    ['fits', {}, undefined],
    ['a sender outside', { from: signerFromSeed(new Uint8Array(32).fill(7)).peerId }, /sender .* is not a member/],
    ['a recipient outside', { to: [B.peerId, signerFromSeed(new Uint8Array(32).fill(7)).peerId] }, /recipient .* is not a member/],
    ['another topic', { topic: 'drugs' }, /topic drugs/],
    ['a TLP above the maximum', { tlp: 'RED' as const }, /TLP:RED is above/],
    ['another legal basis', { legalBasis: 'EU-2024-17' }, /legal basis/],
    ['the default handling codes missing', { handling: [] }, /handling codes/]
  ])('%s', (_what, fields, problem) => {
    const got = messageProblem(c, { ...ok, ...fields })
    if (problem == null) expect(got).toBeUndefined()
    else expect(got).toMatch(problem)
  })

  it('carries the charter digest in the message (after inReplyTo, before body) and refuses a malformed one', () => {
    const m = freshMessage(A.peerId, [B.peerId], { taskForce: { id: c.id, charter: 'cd'.repeat(32) } })
    const text = Buffer.from(encodeMessage(m)).toString('utf8')
    expect(text).toContain(`"taskForce":{"id":"${c.id}","charter":"${'cd'.repeat(32)}"},"body":`)
    expect(parseMessage(encodeMessage(m)).taskForce).toEqual(m.taskForce)
    expect(code(() => encodeMessage({ ...m, taskForce: { id: c.id, charter: 'CD'.repeat(32) } }))).toBe('SCHEMA_INVALID')
    expect(code(() => encodeMessage({ ...m, taskForce: { id: c.id, charter: 'cd'.repeat(32), version: 1 } as never }))).toBe('SCHEMA_INVALID')
  })
})

describe('task force notices', () => {
  it('round-trip with the chain as base64, and a decline carries no chain', () => {
    const env = decodeEnvelope(committed('charter-v1.envelope.json'), 1 << 20, 64)
    const n = {
      v: 1 as const,
      id: uuidV7(T0, new Uint8Array(10)),
      from: A.peerId,
      to: [B.peerId, C.peerId],
      created: '2026-05-01T00:00:00.000Z',
      expires: '2026-05-31T00:00:00.000Z',
      action: 'propose' as const,
      taskForce: example.v1.id,
      charter: committed('charter-v1.digest.txt').toString().trim(),
      chain: [new Uint8Array(committed('charter-v1.envelope.json'))]
    }
    const back = parseNotice(encodeNotice(n))
    expect(back).toEqual(n)
    expect(checkCharterEnvelope(decodeEnvelope(back.chain[0], 1 << 20, 64)).signers).toHaveLength(env.signatures.length)
    expect(code(() => encodeNotice({ ...n, action: 'decline' }))).toBe('SCHEMA_INVALID')
    expect(code(() => encodeNotice({ ...n, chain: [] }))).toBe('SCHEMA_INVALID')
    expect(parseNotice(encodeNotice({ ...n, action: 'decline', chain: [], reason: 'not our case' })).reason).toBe('not our case')
  })
})

describe('forwarding inside a task force', () => {
  it('lets members pass on CLEAR, GREEN and AMBER among themselves unless a code restricts dissemination; AMBER+STRICT and RED as outside', () => {
    const rule = (tlp: 'CLEAR' | 'GREEN' | 'AMBER' | 'AMBER+STRICT' | 'RED', handling: string[] = []): string => insideForwardRule({ tlp, handling })
    expect([rule('CLEAR'), rule('GREEN'), rule('AMBER'), rule('AMBER+STRICT'), rule('RED')]).toEqual(['free', 'free', 'free', 'grant-required', 'never'])
    expect([rule('AMBER', ['no-onward-without-consent']), rule('GREEN', ['originator-only']), rule('GREEN', ['x-eyes-only'])]).toEqual([
      'grant-required',
      'grant-required',
      'grant-required'
    ])
    expect(rule('AMBER', ['no-judicial-use-without-consent'])).toBe('free')
  })
})

describe('liaison taskforce --from/--until', () => {
  it('takes an RFC 3339 time, a date (its last millisecond, UTC) or a duration from now', () => {
    expect(instantOf('2026-06-30', 'until')).toBe('2026-06-30T23:59:59.999Z')
    expect(instantOf('2026-06-30T12:00:00Z', 'until')).toBe('2026-06-30T12:00:00.000Z')
    expect(instantOf('90d', 'until', T0)).toBe(new Date(T0 + 90 * 86_400_000).toISOString())
    expect(() => instantOf('next week', 'until')).toThrow(/--until/)
  })
})
