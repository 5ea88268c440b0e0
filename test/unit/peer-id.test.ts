import { generateKeyPairSync } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  encodeBase58btc,
  isPeerId,
  peerIdFromPublicKey,
  publicKeyFromPeerId,
  tryDecodeBase58btc
} from '../../protocol/peer-id.ts'
import {
  createSigner,
  generateSigner,
  publicKeyFromSpkiPem,
  publicKeyToSpkiPem,
  signerFromPkcs8Pem,
  signerFromSeed,
  verifyKeyFromPeerId,
  verifyKeyFromPublicKey
} from '../../protocol/keys.ts'

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

/** RFC 8032 section 7.1, TEST 1. */
const TEST1_SEED = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
const TEST1_PUBLIC = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')

describe('base58btc', () => {
  it('matches known answers (draft-msporny-base58 examples)', () => {
    expect(encodeBase58btc(Buffer.from('Hello World!'))).toBe('2NEpo7TZRRrLZSi2U')
    expect(encodeBase58btc(Buffer.from('The quick brown fox jumps over the lazy dog.'))).toBe('USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z')
    expect(encodeBase58btc(hex('0000287fb4cd'))).toBe('11233QC4')
    expect(encodeBase58btc(new Uint8Array(0))).toBe('')
  })

  it('round-trips any bytes, leading zeros included', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), data => {
      expect(tryDecodeBase58btc(encodeBase58btc(data))).toEqual(data)
    }))
  })

  it('rejects characters outside the alphabet (0 O I l, +, space, non-ASCII)', () => {
    for (const bad of ['0', 'O', 'I', 'l', '+', ' ', 'é', '12D3 ']) expect(tryDecodeBase58btc(bad)).toBeUndefined()
  })

  it('rejects characters above U+00FF, which the underlying codec would skip', () => {
    for (const bad of ['€', '1€', '2NEpo7TZRRrLZSi2U€', '😀']) expect(tryDecodeBase58btc(bad)).toBeUndefined()
  })
})

describe('peer IDs: known answers', () => {
  // The RFC 8032 §7.1 TEST 1–3 public keys and their peer IDs as @libp2p/peer-id wrote them
  // (TEST 1's is also the worked example of PROTOCOL.md §2).
  const KNOWN: Array<[string, string]> = [
    ['d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '12D3KooWQK1wnefoLrcVHbbnf5tLzbopUd3K3bFAoJpA7YJgL5pV'],
    ['3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '12D3KooWDwTirQce1RRKnasT5fPVFgzXCy6SiRgSwrwPGLC7zE91'],
    ['fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', '12D3KooWSoKFn4y7TtC1chE8CRkXdPZZfkjfNbTSUK5rjjp4oPHn']
  ]

  it('writes and reads the fixed peer IDs of the RFC 8032 test keys', () => {
    for (const [key, id] of KNOWN) {
      expect(peerIdFromPublicKey(hex(key))).toBe(id)
      expect(publicKeyFromPeerId(id)).toEqual(hex(key))
      expect(isPeerId(id)).toBe(true)
    }
  })
})

describe('peer IDs', () => {
  it('round-trips the RFC 8032 TEST 1 public key', () => {
    const id = peerIdFromPublicKey(TEST1_PUBLIC)
    expect(id).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/)
    expect(publicKeyFromPeerId(id)).toEqual(TEST1_PUBLIC)
    expect(isPeerId(id)).toBe(true)
    expect(signerFromSeed(TEST1_SEED).peerId).toBe(id)
    expect(signerFromSeed(TEST1_SEED).publicKey).toEqual(TEST1_PUBLIC)
  })

  it('agrees with @libp2p/peer-id for generated keys', async () => {
    for (let i = 0; i < 5; i++) {
      const key = await generateKeyPair('Ed25519')
      const libp2pId = peerIdFromPrivateKey(key).toString()
      const raw = key.publicKey.raw
      expect(peerIdFromPublicKey(raw)).toBe(libp2pId)
      expect(publicKeyFromPeerId(libp2pId)).toEqual(raw)
      const back = peerIdFromString(peerIdFromPublicKey(raw))
      expect(back.type).toBe('Ed25519')
      expect(back.publicKey?.raw).toEqual(raw)
    }
  })

  it('rejects malformed IDs with BAD_PEER_ID', async () => {
    const good = peerIdFromPublicKey(TEST1_PUBLIC)
    const rsa = peerIdFromPrivateKey(await generateKeyPair('RSA', 1024)).toString() // sha2-256 multihash
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString() // other key type
    const cid = peerIdFromString(good).toCID().toString() // CID spelling of a valid ID
    const wrongPrefix = encodeBase58btc(Uint8Array.of(0x00, 0x24, 0x08, 0x02, 0x12, 0x20, ...TEST1_PUBLIC))
    const wrongHash = encodeBase58btc(Uint8Array.of(0x12, 0x24, 0x08, 0x01, 0x12, 0x20, ...TEST1_PUBLIC))
    const bad = [
      '',
      'hello',
      good.slice(0, -1),
      good + '1',
      good.replace('K', 'l'),
      good.replace(/.$/, '0'),
      ` ${good.slice(1)}`,
      'z'.repeat(52),
      '1'.repeat(52),
      rsa,
      secp,
      cid,
      wrongHash,
      wrongPrefix
    ]
    expect(wrongPrefix).toHaveLength(52) // so these two reach the multihash check, not the length one
    expect(wrongHash).toHaveLength(52)
    for (const id of bad) {
      expect(() => publicKeyFromPeerId(id), id).toThrow(expect.objectContaining({ code: 'BAD_PEER_ID' }))
      expect(isPeerId(id)).toBe(false)
    }
    expect(isPeerId(42)).toBe(false)
    expect(() => publicKeyFromPeerId(42 as unknown as string)).toThrow(TypeError)
  })

  it('refuses to make an ID from a key that is not 32 bytes', () => {
    expect(() => peerIdFromPublicKey(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'BAD_KEY' }))
  })
})

describe('keys', () => {
  it('builds a VerifyKey from a raw key or a peer ID, with the same key inside', () => {
    const a = verifyKeyFromPublicKey(TEST1_PUBLIC)
    const b = verifyKeyFromPeerId(a.peerId)
    expect(b.publicKey).toEqual(TEST1_PUBLIC)
    expect(b.keyObject.equals(a.keyObject)).toBe(true)
    expect(a.keyObject.asymmetricKeyType).toBe('ed25519')
    expect(Object.isFrozen(a)).toBe(true)
  })

  it("copies the raw key so later changes to the caller's buffer do not leak in", () => {
    const raw = new Uint8Array(TEST1_PUBLIC)
    const key = verifyKeyFromPublicKey(raw)
    raw[0] ^= 1
    expect(key.publicKey).toEqual(TEST1_PUBLIC)
  })

  it('round-trips SPKI PEM and rejects private keys, other curves and garbage as BAD_KEY', () => {
    const pem = publicKeyToSpkiPem(TEST1_PUBLIC)
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA/)
    expect(publicKeyFromSpkiPem(pem)).toEqual(TEST1_PUBLIC)
    const { privateKeyPem } = generateSigner()
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }) as string
    for (const bad of [privateKeyPem, ec, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'nonsense']) {
      expect(() => publicKeyFromSpkiPem(bad)).toThrow(expect.objectContaining({ code: 'BAD_KEY' }))
    }
  })

  it('generates signers whose PKCS#8 PEM reloads to the same identity', () => {
    const { signer, privateKeyPem } = generateSigner()
    expect(privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    const again = signerFromPkcs8Pem(privateKeyPem)
    expect(again.peerId).toBe(signer.peerId)
    expect(again.publicKey).toEqual(signer.publicKey)
    expect(publicKeyFromPeerId(signer.peerId)).toEqual(signer.publicKey)
  })

  it('signs RFC 8032 TEST 1 with the expected signature', () => {
    const sig = signerFromSeed(TEST1_SEED).sign(new Uint8Array(0))
    expect(Buffer.from(sig).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
    )
  })

  it('rejects non-Ed25519 or unreadable private keys', () => {
    const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
    expect(() => signerFromPkcs8Pem(ecPem)).toThrow(expect.objectContaining({ code: 'BAD_KEY' }))
    expect(() => signerFromPkcs8Pem('nonsense')).toThrow(expect.objectContaining({ code: 'BAD_KEY' }))
    expect(() => signerFromSeed(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'BAD_KEY' }))
    expect(() => createSigner(generateKeyPairSync('ed25519').publicKey)).toThrow(TypeError)
  })
})
