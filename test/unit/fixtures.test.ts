/**
 * The worked example of PROTOCOL.md §17: the committed files in test/fixtures/ are exactly what
 * scripts/make-fixtures.ts builds, they verify, the values PROTOCOL.md quotes are theirs, and
 * the OpenSSL commands PROTOCOL.md prints really verify them.
 */
import { execFile, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeEnvelope, encodeEnvelope, envelopeDigest, pae, verifyEnvelope } from '../../protocol/envelope.ts'
import { nobleVerify, opensslVerify } from '../../protocol/ed25519.ts'
import { FrameDecoder } from '../../protocol/frame.ts'
import { publicKeyFromSpkiPem, verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { parseMessage } from '../../protocol/message.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import { parseReceipt } from '../../protocol/receipt.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { openReceipt } from '../../node/exchange/index.ts'
import { buildExample, FIXTURES_DIR, RECIPIENT_SEED, SENDER_SEED } from '../../scripts/make-fixtures.ts'

const run = promisify(execFile)
const example = buildExample()
const committed = (name: string): Buffer => readFileSync(new URL(name, FIXTURES_DIR))
const text = (name: string): string => committed(name).toString('utf8')
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const protocolMd = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8')

const RFC8032_TEST1_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'
const RFC8032_TEST2_PUBLIC = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'

describe('the committed fixtures', () => {
  it('are byte for byte what scripts/make-fixtures.ts builds, and nothing else', () => {
    const onDisk = readdirSync(FIXTURES_DIR).sort()
    expect(onDisk).toEqual(Object.keys(example.files).sort())
    for (const [name, bytes] of Object.entries(example.files)) {
      expect(hex(committed(name)), name).toBe(hex(bytes))
    }
  })

  it('use the RFC 8032 TEST 1 key as sender and the TEST 2 key as recipient', () => {
    expect(SENDER_SEED).toBe('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
    expect(RECIPIENT_SEED).toBe('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb')
    expect(hex(example.sender.publicKey)).toBe(RFC8032_TEST1_PUBLIC)
    expect(hex(example.recipient.publicKey)).toBe(RFC8032_TEST2_PUBLIC)
    expect(hex(publicKeyFromSpkiPem(text('sender.pub.pem')))).toBe(RFC8032_TEST1_PUBLIC)
    expect(hex(publicKeyFromSpkiPem(text('recipient.pub.pem')))).toBe(RFC8032_TEST2_PUBLIC)
  })

  it('give the peer IDs libp2p itself derives from the same seeds', async () => {
    for (const [seed, file] of [[SENDER_SEED, 'sender.peer-id.txt'], [RECIPIENT_SEED, 'recipient.peer-id.txt']]) {
      const key = await generateKeyPairFromSeed('Ed25519', Buffer.from(seed, 'hex'))
      expect(text(file)).toBe(peerIdFromPrivateKey(key).toString() + '\n')
    }
  })

  it('hold a message signature that verifies over message.pae.bin with both verifiers', () => {
    const paeBytes = committed('message.pae.bin')
    const sig = committed('message.sig.bin')
    expect(sig).toHaveLength(64)
    const key = verifyKeyFromPeerId(text('sender.peer-id.txt').trim())
    expect(opensslVerify(key, paeBytes, sig)).toBe(true)
    expect(nobleVerify(key, paeBytes, sig)).toBe(true)
    const flipped = Buffer.from(paeBytes)
    flipped[flipped.length - 1] ^= 0x01
    expect(opensslVerify(key, flipped, sig)).toBe(false)
    expect(nobleVerify(key, flipped, sig)).toBe(false)
  })

  it('hold an envelope whose PAE, signature and digest are the separate files', () => {
    const env = decodeEnvelope(committed('message.envelope.json'))
    expect(env.payloadType).toBe(PAYLOAD_TYPES.message)
    expect(hex(env.payload)).toBe(hex(committed('message.json')))
    expect(hex(pae(env.payloadType, env.payload))).toBe(hex(committed('message.pae.bin')))
    expect(hex(env.signatures[0].sig)).toBe(hex(committed('message.sig.bin')))
    expect(env.signatures[0].keyid).toBe(text('sender.peer-id.txt').trim())
    const digest = createHash('sha256').update(committed('message.pae.bin')).digest('hex')
    expect(text('message.digest.txt')).toBe(digest + '\n')
    expect(envelopeDigest(env)).toBe(digest)
    expect(verifyEnvelope(env, verifyKeyFromPeerId(example.sender.peerId))).toBe(true)
    expect(verifyEnvelope(env, verifyKeyFromPeerId(example.recipient.peerId))).toBe(false)
  })

  it('hold a valid message from the sender to the recipient', () => {
    const message = parseMessage(committed('message.json'))
    expect(message).toEqual(example.message)
    expect(message.from).toBe(example.sender.peerId)
    expect(message.to).toEqual([example.recipient.peerId])
  })

  it('hold a receipt signed by the recipient that answers the message digest', () => {
    const digest = text('message.digest.txt').trim()
    const receipt = openReceipt(committed('receipt.envelope.json'), verifyKeyFromPeerId(example.recipient.peerId), digest)
    expect(receipt).toEqual({ ...example.receipt, for: digest, messageId: example.message.id, status: 'accepted' })
    expect(parseReceipt(committed('receipt.json'))).toEqual(receipt)
    const env = decodeEnvelope(committed('receipt.envelope.json'))
    expect(hex(env.signatures[0].sig)).toBe(hex(committed('receipt.sig.bin')))
    expect(opensslVerify(verifyKeyFromPeerId(example.recipient.peerId), pae(env.payloadType, env.payload), committed('receipt.sig.bin'))).toBe(true)
  })

  it('hold the wire frame: the varint prefix eb 06 and the envelope', () => {
    const frame = committed('message.frame.bin')
    expect(hex(frame.subarray(0, 2))).toBe('eb06')
    const frames = new FrameDecoder().push(frame)
    expect(frames).toHaveLength(1)
    expect(hex(frames[0])).toBe(hex(committed('message.envelope.json')))
  })

  it('re-encode to the same envelope bytes (standard padded base64, DSSE key order)', () => {
    const bytes = committed('message.envelope.json')
    expect(hex(encodeEnvelope(decodeEnvelope(bytes)))).toBe(hex(bytes))
  })
})

describe('PROTOCOL.md quotes the worked example verbatim', () => {
  const quoted: Array<[string, string]> = [
    ['sender peer ID', text('sender.peer-id.txt').trim()],
    ['recipient peer ID', text('recipient.peer-id.txt').trim()],
    ['sender public key', RFC8032_TEST1_PUBLIC],
    ['recipient public key', RFC8032_TEST2_PUBLIC],
    ['sender seed', SENDER_SEED],
    ['recipient seed', RECIPIENT_SEED],
    ['sender SPKI PEM', text('sender.pub.pem').trim()],
    ['message digest', text('message.digest.txt').trim()],
    ['PAE prefix', `DSSEv1 39 ${PAYLOAD_TYPES.message} 470 `],
    ['message payload', text('message.json')],
    ['message envelope', text('message.envelope.json')],
    ['message signature (hex)', hex(committed('message.sig.bin'))],
    ['receipt payload', text('receipt.json')],
    ['receipt envelope', text('receipt.envelope.json')],
    ['frame prefix', '`eb 06`']
  ]
  for (const [what, value] of quoted) {
    it(`contains the ${what}`, () => {
      expect(protocolMd).toContain(value)
    })
  }

  it('states the sizes it quotes: 470-byte payload, 524-byte PAE, 875-byte envelope, 54-byte PAE prefix', () => {
    expect(committed('message.json')).toHaveLength(470)
    expect(committed('message.pae.bin')).toHaveLength(524)
    expect(committed('message.envelope.json')).toHaveLength(875)
    expect(Buffer.byteLength(`DSSEv1 39 ${PAYLOAD_TYPES.message} 470 `)).toBe(54)
    for (const phrase of ['470 bytes', '524 bytes', '875 bytes', 'the 54 bytes']) expect(protocolMd).toContain(phrase)
  })

  it('derives the TEST 1 peer ID from the bytes it lists in §2', () => {
    const block = /```\n(00 24 08 01 12 20[\s\S]*?)\n→ base58btc → (\S+)\n```/.exec(protocolMd)
    expect(block).not.toBeNull()
    const bytes = block![1].replace(/\s+/g, '')
    expect(bytes).toBe('002408011220' + RFC8032_TEST1_PUBLIC)
    expect(block![2]).toBe(example.sender.peerId)
    expect(hex(publicKeyFromPeerId(block![2]))).toBe(RFC8032_TEST1_PUBLIC)
  })
})

/** The first ```sh block after `<!-- marker -->` in PROTOCOL.md. */
function shellBlock (marker: string): string {
  const m = new RegExp(`<!-- ${marker} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(protocolMd)
  if (m == null) throw new Error(`PROTOCOL.md has no sh block after <!-- ${marker} -->`)
  return m[1]
}

function onPath (tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const missing = ['bash', 'openssl', 'jq', 'base64'].filter(t => !onPath(t))
const skipNote = missing.length > 0 ? ` (SKIPPED: ${missing.join(', ')} not on PATH)` : ''

describe(`verifying the example with the OpenSSL command line, as PROTOCOL.md §17.3 prints it${skipNote}`, () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  /** A temp dir holding the named fixture files, with `overrides` written over them. */
  function workDir (overrides: Record<string, Uint8Array> = {}): string {
    const dir = mkdtempSync(join(tmpdir(), 'liaison-openssl-'))
    dirs.push(dir)
    for (const name of ['message.envelope.json', 'sender.pub.pem', 'receipt.envelope.json', 'recipient.pub.pem']) {
      writeFileSync(join(dir, name), overrides[name] ?? committed(name))
    }
    return dir
  }

  async function runScript (script: string, cwd: string): Promise<{ code: number, stdout: string, stderr: string }> {
    try {
      const { stdout, stderr } = await run('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd })
      return { code: 0, stdout, stderr }
    } catch (err) {
      const e = err as { code?: number, stdout?: string, stderr?: string }
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
    }
  }

  const script = shellBlock('verify-with-openssl')

  it.skipIf(missing.length > 0)('prints "Signature Verified Successfully" and the digest', async () => {
    const dir = workDir()
    const res = await runScript(script, dir)
    expect(res.stderr).toBe('')
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('Signature Verified Successfully')
    expect(res.stdout).toContain(`${text('message.digest.txt').trim()} *pae.bin`)
    expect(hex(readFileSync(join(dir, 'pae.bin')))).toBe(hex(committed('message.pae.bin')))
    expect(hex(readFileSync(join(dir, 'sig.bin')))).toBe(hex(committed('message.sig.bin')))
  })

  it.skipIf(missing.length > 0)('fails with "Signature Verification Failure" when one payload byte is flipped', async () => {
    const env = decodeEnvelope(committed('message.envelope.json'))
    const payload = new Uint8Array(env.payload)
    payload[100] ^= 0x01
    const res = await runScript(script, workDir({ 'message.envelope.json': encodeEnvelope({ ...env, payload }) }))
    expect(res.code).not.toBe(0)
    expect(res.stdout).toContain('Signature Verification Failure')
    expect(res.stdout).not.toContain('Signature Verified Successfully')
  })

  it.skipIf(missing.length > 0)('fails when one signature byte is flipped', async () => {
    const env = decodeEnvelope(committed('message.envelope.json'))
    const sig = new Uint8Array(env.signatures[0].sig)
    sig[5] ^= 0x80
    const tampered = encodeEnvelope({ ...env, signatures: [{ ...env.signatures[0], sig }] })
    const res = await runScript(script, workDir({ 'message.envelope.json': tampered }))
    expect(res.code).not.toBe(0)
    expect(res.stdout).toContain('Signature Verification Failure')
  })

  it.skipIf(missing.length > 0)('fails under the wrong public key', async () => {
    const res = await runScript(script, workDir({ 'sender.pub.pem': committed('recipient.pub.pem') }))
    expect(res.code).not.toBe(0)
    expect(res.stdout).toContain('Signature Verification Failure')
  })

  it.skipIf(missing.length > 0)('verify the receipt with the recipient key when the file names are swapped', async () => {
    const swapped = script.replaceAll('message.envelope.json', 'receipt.envelope.json').replaceAll('sender.pub.pem', 'recipient.pub.pem')
    const res = await runScript(swapped, workDir())
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('Signature Verified Successfully')
  })

  it.skipIf(missing.length > 0 || !onPath('xxd'))(
    `build sender.pub.pem from the raw key with printf, xxd and openssl${onPath('xxd') ? '' : ' (SKIPPED: xxd not on PATH)'}`,
    async () => {
      const dir = workDir()
      const res = await runScript(shellBlock('pem-from-raw-key'), dir)
      expect(res.code).toBe(0)
      expect(readFileSync(join(dir, 'pub.pem'), 'utf8')).toBe(text('sender.pub.pem'))
    }
  )
})
