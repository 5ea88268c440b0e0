/**
 * Known-answer tests for Ed25519 verification and key admission: every Wycheproof case and every
 * speccheck case through every verifier, with the verdicts pinned.
 */
import { readFileSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { hashes, Point, verify as nobleStockVerify } from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { assertAdmissiblePublicKey, isAdmissiblePublicKey, nobleVerify, opensslVerify } from '../../protocol/ed25519.ts'
import { fastSigner, fastVerifierName, fastVerify, libsodiumInUse, sodiumVerify, useLibsodium } from '../../protocol/ed25519-fast.ts'
import { signerFromSeed, verifyKeyFromPublicKey } from '../../protocol/keys.ts'
import type { VerifyKey } from '../../protocol/types.ts'

hashes.sha512 ??= sha512 // noble's own sign/verify need it wired; protocol/ed25519.ts does not

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(`../vectors/${path}`, import.meta.url), 'utf8'))

interface WycheproofFile {
  testGroups: Array<{ publicKey: { pk: string }, tests: Array<{ tcId: number, msg: string, sig: string, result: string }> }>
}
interface SpeccheckCase {
  message: string
  pub_key: string
  signature: string
}

const wycheproof = readJson('wycheproof/ed25519_test.json') as WycheproofFile
const wycheproofCases = wycheproof.testGroups.flatMap(g => g.tests.map(t => ({ ...t, pk: g.publicKey.pk })))
const speccheck = readJson('speccheck/cases.json') as SpeccheckCase[]

/** Every path a signature can be verified by; they must all agree. */
const verifiers: Record<string, (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean> = {
  'openssl (raw key)': (pub, msg, sig) => opensslVerify(pub, msg, sig),
  'openssl (VerifyKey, the envelope path)': (pub, msg, sig) => opensslVerify(verifyKeyFromPublicKey(pub), msg, sig),
  'noble (raw key)': (pub, msg, sig) => nobleVerify(pub, msg, sig),
  'noble (VerifyKey)': (pub, msg, sig) => nobleVerify(verifyKeyFromPublicKey(pub), msg, sig),
  'libsodium (its own verdict)': (pub, msg, sig) => sodiumVerify(pub, msg, sig),
  'fast (VerifyKey: libsodium, then openssl)': (pub, msg, sig) => fastVerify(verifyKeyFromPublicKey(pub), msg, sig),
  'fast (raw key)': (pub, msg, sig) => fastVerify(pub, msg, sig)
}

/**
 * node:crypto verdicts on speccheck (Node 24.21, OpenSSL 3.5.8). OpenSSL alone accepts
 * 0, 1, 2, 3 and 11 (speccheck's "OpenSSL-3.0" row), but Node 24 rejects small-order A and R
 * before calling it (nodejs/node#64026), which leaves only case 3: mixed-order A and R whose
 * torsion components cancel, so even the cofactorless equation holds.
 */
const SPECCHECK_ACCEPTED = new Set([3])

describe('Wycheproof ed25519_test.json', () => {
  it('has the 151 cases (88 valid, 63 invalid) the README describes', () => {
    expect(wycheproofCases).toHaveLength(151)
    expect(wycheproofCases.filter(t => t.result === 'valid')).toHaveLength(88)
    expect(wycheproofCases.filter(t => t.result === 'invalid')).toHaveLength(63)
    expect(new Set(wycheproofCases.map(t => t.tcId)).size).toBe(151)
  })

  for (const [name, verify] of Object.entries(verifiers)) {
    it(`${name} accepts exactly the valid cases`, () => {
      const wrong = wycheproofCases
        .filter(t => verify(hex(t.pk), hex(t.msg), hex(t.sig)) !== (t.result === 'valid'))
        .map(t => t.tcId)
      expect(wrong).toEqual([])
    })
  }

  it('admits every group public key (all are honest prime-order keys)', () => {
    for (const g of wycheproof.testGroups) expect(isAdmissiblePublicKey(hex(g.publicKey.pk))).toBe(true)
  })
})

describe('speccheck cases.json', () => {
  it('has the 12 cases numbered 0-11', () => {
    expect(speccheck).toHaveLength(12)
  })

  for (const [name, verify] of Object.entries(verifiers)) {
    it(`${name} accepts only case 3`, () => {
      const accepted = speccheck.flatMap((c, i) => verify(hex(c.pub_key), hex(c.message), hex(c.signature)) ? [i] : [])
      expect(accepted).toEqual([...SPECCHECK_ACCEPTED])
    })
  }

  it("documents why noble's own verify is not used: both its modes disagree with node:crypto", () => {
    const stock = (zip215: boolean): number[] =>
      speccheck.flatMap((c, i) => nobleStockVerify(hex(c.signature), hex(c.message), hex(c.pub_key), { zip215 }) ? [i] : [])
    expect(stock(false)).toEqual([2, 3, 4, 5]) // cofactored: accepts residues 2, 4, 5
    expect(stock(true)).toEqual([0, 1, 2, 3, 4, 5, 9, 10, 11])
  })

  // The four distinct speccheck keys, by case.
  const admission: Array<[number[], boolean, string]> = [
    [[0, 1], false, 'small-order point'],
    [[2, 8, 9], false, 'mixed-order point (torsion component)'],
    [[3, 4, 5], false, 'mixed-order point (torsion component)'],
    [[6, 7], true, 'prime-order point'],
    [[10, 11], false, 'non-canonical encoding (x = 0 with the sign bit set) of the order-2 point']
  ]
  for (const [cases, admitted, what] of admission) {
    it(`${admitted ? 'admits' : 'refuses'} the key of cases ${cases.join(', ')}: ${what}`, () => {
      for (const i of cases) {
        const pub = hex(speccheck[i].pub_key)
        expect(isAdmissiblePublicKey(pub)).toBe(admitted)
        if (admitted) expect(() => assertAdmissiblePublicKey(pub)).not.toThrow()
        else expect(() => assertAdmissiblePublicKey(pub)).toThrow(expect.objectContaining({ code: 'BAD_KEY' }))
      }
    })
  }
})

describe('small-order points node:crypto and nobleVerify both reject', () => {
  // Signatures crafted so that the cofactorless equation holds, i.e. OpenSSL's own check passes;
  // only the small-order rule rejects them. Covers encodings speccheck does not.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n
  const P = 2n ** 255n - 19n
  const le = (b: Uint8Array): bigint => BigInt('0x' + Buffer.from(b).reverse().toString('hex'))
  const toLE = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse()
  const challenge = (r: Uint8Array, a: Uint8Array, m: Uint8Array): bigint => le(createHash('sha512').update(r).update(a).update(m).digest()) % L
  const order8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')
  const torsion = Array.from({ length: 8 }, (_, i) => i === 0 ? Point.ZERO : order8.multiply(BigInt(i), false))

  /** All 14 encodings of the 8 small-order points, canonical or not. */
  const encodings: Uint8Array[] = []
  for (const t of torsion) {
    const canonical = t.toBytes()
    encodings.push(canonical)
    const y = le(canonical) & ((1n << 255n) - 1n)
    const withSign = (e: Uint8Array): Uint8Array => Uint8Array.from(e, (b, i) => i === 31 ? b | 0x80 : b)
    if (t.x === 0n) encodings.push(withSign(canonical)) // "negative zero" x
    if (y + P < 2n ** 255n) { // y + p still fits in 255 bits: y = 0 and y = 1
      const nc = toLE(y + P)
      nc[31] |= canonical[31] & 0x80
      encodings.push(nc)
      if (t.x === 0n) encodings.push(withSign(nc))
    }
  }
  const unique = [...new Map(encodings.map(e => [Buffer.from(e).toString('hex'), e])).values()]

  const agree = (pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): void => {
    const verdicts = Object.values(verifiers).map(v => v(pub, msg, sig))
    expect(verdicts).toEqual(verdicts.map(() => false))
  }

  it('as public key A, in all 14 encodings', () => {
    expect(unique).toHaveLength(14)
    for (const enc of unique) {
      const T = Point.fromBytes(enc, true)
      let crafted = false
      for (let tries = 0; tries < 64 && !crafted; tries++) {
        // R = [s]B - [j]T for a guessed j; it holds when k ≡ j modulo the order of T.
        const s = le(randomBytes(64)) % L
        const msg = randomBytes(16)
        for (let j = 0n; j < 8n && !crafted; j++) {
          const R = Point.BASE.multiply(s).subtract(T.multiply(j, false)).toBytes()
          const k = challenge(R, enc, msg)
          if (!T.multiply(k, false).equals(T.multiply(j, false))) continue
          crafted = true
          agree(enc, msg, Buffer.concat([R, toLE(s)]))
        }
      }
      expect(crafted).toBe(true)
    }
  })

  it('as R under a mixed-order key, for each small-order point', () => {
    const a = le(randomBytes(64)) % L
    const A = Point.BASE.multiply(a).add(order8)
    const pub = A.toBytes()
    for (const t of torsion) {
      let crafted = false
      for (let tries = 0; tries < 400 && !crafted; tries++) {
        // With s = k·a, [s]B − [k]A = −[k]T8, which hits t for one k mod 8 in eight.
        const msg = randomBytes(16)
        const k = challenge(t.toBytes(), pub, msg)
        if (!order8.multiply(k, false).negate().equals(t)) continue
        crafted = true
        agree(pub, msg, Buffer.concat([t.toBytes(), toLE((k * a) % L)]))
      }
      expect(crafted).toBe(true)
    }
  })
})

describe('openssl, noble and libsodium agree off the vectors', () => {
  it('on random keys, messages and signatures with random bytes corrupted', () => {
    const signers = Array.from({ length: 4 }, () => signerFromSeed(randomBytes(32)))
    fc.assert(
      fc.property(
        fc.nat(3),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(95),
        fc.nat(255),
        fc.boolean(),
        (who, msg, at, value, corrupt) => {
          const signer = signers[who]
          const sig = signer.sign(msg)
          const pub = new Uint8Array(signer.publicKey)
          if (corrupt) { // somewhere in R (0-31), S (32-63) or the key (64-95)
            if (at < 64) sig[at] = value
            else pub[at - 64] = value
          }
          const verdict = opensslVerify(pub, msg, sig)
          expect(nobleVerify(pub, msg, sig)).toBe(verdict)
          expect(sodiumVerify(pub, msg, sig)).toBe(verdict)
          expect(fastVerify(pub, msg, sig)).toBe(verdict)
        }
      ),
      { numRuns: 300 }
    )
  })

  it('on keys that are not curve points (both say false)', () => {
    for (const pub of [hex('02'.padEnd(64, '0')), new Uint8Array(32).fill(0xff)]) {
      expect(opensslVerify(pub, Uint8Array.of(1), new Uint8Array(64))).toBe(false)
      expect(nobleVerify(pub, Uint8Array.of(1), new Uint8Array(64))).toBe(false)
      expect(sodiumVerify(pub, Uint8Array.of(1), new Uint8Array(64))).toBe(false)
      expect(fastVerify(pub, Uint8Array.of(1), new Uint8Array(64))).toBe(false)
    }
  })
})

describe('fastVerify', () => {
  it('runs on libsodium here (the binding loads from its bundled prebuilt binary)', () => {
    expect(libsodiumInUse()).toBe(true)
    expect(fastVerifierName()).toMatch(/^libsodium/)
  })

  it('is opensslVerify alone when libsodium is switched off, with the same verdicts', () => {
    const signer = signerFromSeed(randomBytes(32))
    const msg = randomBytes(100)
    const sig = signer.sign(msg)
    useLibsodium(false)
    try {
      expect(libsodiumInUse()).toBe(false)
      expect(fastVerifierName()).toBe('node:crypto (OpenSSL)')
      expect(fastVerify(signer.publicKey, msg, sig)).toBe(true)
      sig[0] ^= 1
      expect(fastVerify(signer.publicKey, msg, sig)).toBe(false)
    } finally {
      useLibsodium(true)
    }
  })
})

describe('fastSigner', () => {
  // RFC 8032 §7.1 TEST 1 (empty message) and TEST 2 (one byte).
  const rfc = [
    {
      seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      msg: '',
      sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
    },
    {
      seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
      msg: '72',
      sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'
    }
  ]

  it('signs the RFC 8032 test vectors byte for byte, with libsodium', () => {
    for (const t of rfc) {
      const base = signerFromSeed(hex(t.seed))
      const fast = fastSigner(base, hex(t.seed))
      expect(fast).not.toBe(base)
      expect(fast.peerId).toBe(base.peerId)
      expect(Buffer.from(fast.sign(hex(t.msg))).toString('hex')).toBe(t.sig)
    }
  })

  it("gives node:crypto's signature on random keys and messages", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 2000 }), (seed, msg) => {
        const base = signerFromSeed(seed)
        expect(Buffer.from(fastSigner(base, seed).sign(msg))).toEqual(Buffer.from(base.sign(msg)))
      }),
      { numRuns: 200 }
    )
  })

  it('keeps the node:crypto signer when the seed is not its key, or libsodium is off', () => {
    const base = signerFromSeed(randomBytes(32))
    expect(fastSigner(base, randomBytes(32))).toBe(base)
    expect(fastSigner(base, randomBytes(31))).toBe(base)
    const seed = randomBytes(32)
    const other = signerFromSeed(seed)
    useLibsodium(false)
    try {
      expect(fastSigner(other, seed)).toBe(other)
    } finally {
      useLibsodium(true)
    }
  })
})

describe('verifier hygiene', () => {
  const key = hex(wycheproofCases[0].pk)
  const msg = hex(wycheproofCases[0].msg)
  const sig = hex(wycheproofCases[0].sig)
  const all: Array<(key: VerifyKey | Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean> = [
    opensslVerify,
    nobleVerify,
    sodiumVerify,
    fastVerify
  ]

  it('returns false, never throws, for wrong signature and key lengths', () => {
    for (const verify of all) {
      expect(verify(verifyKeyFromPublicKey(key), msg, sig)).toBe(true)
      for (const bad of [sig.subarray(0, 63), Buffer.concat([sig, Buffer.of(0)]), new Uint8Array(0)]) {
        expect(verify(verifyKeyFromPublicKey(key), msg, bad)).toBe(false)
      }
    }
    for (const bad of [key.subarray(0, 31), Buffer.concat([key, Buffer.of(0)]), new Uint8Array(0)]) {
      for (const verify of all) expect(verify(bad, msg, sig)).toBe(false)
    }
  })

  it('throws TypeError for arguments that are not bytes (a caller bug)', () => {
    expect(() => opensslVerify(key, 'msg' as unknown as Uint8Array, sig)).toThrow(TypeError)
    expect(() => nobleVerify(key, msg, null as unknown as Uint8Array)).toThrow(TypeError)
    expect(() => opensslVerify({} as VerifyKey, msg, sig)).toThrow(TypeError)
  })

  it('refuses keys of the wrong length and non-points for admission', () => {
    expect(isAdmissiblePublicKey(key.subarray(1))).toBe(false)
    // y = 2 is not on the curve (no square root for x).
    expect(isAdmissiblePublicKey(hex('02'.padEnd(64, '0')))).toBe(false)
    // y = 3 is a curve point, but of mixed order; y = p + 3 spells it non-canonically.
    expect(isAdmissiblePublicKey(hex('03'.padEnd(64, '0')))).toBe(false)
    expect(isAdmissiblePublicKey(hex('f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))).toBe(false)
    expect(() => assertAdmissiblePublicKey(hex('03'.padEnd(64, '0')))).toThrow(/torsion/)
    expect(() => assertAdmissiblePublicKey(hex('f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))).toThrow(/canonical/)
    expect(() => assertAdmissiblePublicKey(key.subarray(1), 'trust-list key')).toThrow(/trust-list key is 31 bytes/)
  })
})
