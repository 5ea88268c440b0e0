/**
 * The identity and envelope commands of the real `liaison` CLI (a child process each time):
 * `init`, `id`, `envelope sign|verify`, help, and the project's own Node 24.
 */
import { execFile } from 'node:child_process'
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeEnvelope, encodeEnvelope, envelopeDigest, signEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { publicKeyFromSpkiPem, signerFromPkcs8Pem, verifyKeyFromPeerId } from '../../protocol/keys.ts'
import { encodeMessage, parseMessage } from '../../protocol/message.ts'
import { isPeerId, peerIdFromPublicKey } from '../../protocol/peer-id.ts'
import { encodeReceipt, parseReceipt } from '../../protocol/receipt.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import type { MessageV1, ReceiptV1, Signer } from '../../protocol/types.ts'
import { cli, tempDir } from '../helpers/node-process.ts'
import { freshMessage } from '../helpers/messages.ts'

const fixture = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname

describe('liaison init and id', () => {
  let root: string
  let dir: string
  let peerId: string

  beforeAll(async () => {
    root = await tempDir()
    dir = join(root, 'alpha')
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('init creates the data dir 0700 with identity.key and api-token 0600, and prints the peer ID', async () => {
    const res = await cli(['init', '--data-dir', dir, '--name', 'alpha'])
    expect(res.code, res.stderr).toBe(0)
    peerId = res.stdout.trim()
    expect(res.stdout).toBe(peerId + '\n')
    expect(isPeerId(peerId)).toBe(true)
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    expect((await stat(join(dir, 'identity.key'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'api-token'))).mode & 0o777).toBe(0o600)
    const signer = signerFromPkcs8Pem(await readFile(join(dir, 'identity.key'), 'utf8'))
    expect(signer.peerId).toBe(peerId)
  })

  it('a second init on the same dir exits non-zero with ALREADY_INITIALISED and leaves the key alone', async () => {
    const before = await readFile(join(dir, 'identity.key'))
    const res = await cli(['init', '--data-dir', dir, '--name', 'other'])
    expect(res.code).not.toBe(0)
    expect(res.stderr).toContain('ALREADY_INITIALISED')
    expect(res.stdout).toBe('')
    expect((await readFile(join(dir, 'identity.key'))).equals(before)).toBe(true)
  })

  it('id prints the peer ID and then the SPKI PEM public key', async () => {
    const res = await cli(['id', '--data-dir', dir])
    expect(res.code, res.stderr).toBe(0)
    const [first, ...rest] = res.stdout.split('\n')
    expect(first).toBe(peerId)
    const pem = rest.join('\n')
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/)
    expect(peerIdFromPublicKey(publicKeyFromSpkiPem(pem))).toBe(peerId)
  })

  it('id --json prints exactly {peerId, publicKeyPem}', async () => {
    const res = await cli(['id', '--data-dir', dir, '--json'])
    expect(res.code, res.stderr).toBe(0)
    const out = JSON.parse(res.stdout) as { peerId: string, publicKeyPem: string }
    expect(Object.keys(out).sort()).toEqual(['peerId', 'publicKeyPem'])
    expect(out.peerId).toBe(peerId)
    expect(peerIdFromPublicKey(publicKeyFromSpkiPem(out.publicKeyPem))).toBe(peerId)
  })

  it('id on a dir without an identity exits 1 with NOT_INITIALISED', async () => {
    const res = await cli(['id', '--data-dir', join(root, 'nobody')])
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('NOT_INITIALISED')
  })
})

describe('liaison envelope sign and verify', () => {
  let root: string
  let dir: string
  let signer: Signer
  let pemFile: string
  let otherPemFile: string
  let otherPeerId: string
  let message: MessageV1

  const envelopeOf = (stdout: string): ReturnType<typeof decodeEnvelope> => decodeEnvelope(Buffer.from(stdout.trimEnd()))

  beforeAll(async () => {
    root = await tempDir()
    dir = join(root, 'alpha')
    const other = join(root, 'bravo')
    const [a, b] = await Promise.all([
      cli(['init', '--data-dir', dir, '--name', 'alpha']),
      cli(['init', '--data-dir', other, '--name', 'bravo'])
    ])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    otherPeerId = b.stdout.trim()
    signer = signerFromPkcs8Pem(await readFile(join(dir, 'identity.key'), 'utf8'))
    pemFile = join(root, 'alpha.pem')
    otherPemFile = join(root, 'bravo.pem')
    const [pa, pb] = await Promise.all([cli(['id', '--data-dir', dir, '--json']), cli(['id', '--data-dir', other, '--json'])])
    await writeFile(pemFile, (JSON.parse(pa.stdout) as { publicKeyPem: string }).publicKeyPem)
    await writeFile(otherPemFile, (JSON.parse(pb.stdout) as { publicKeyPem: string }).publicKeyPem)
    message = freshMessage(signer.peerId, [otherPeerId], { topic: 'test-topic', body: { text: 'hello' } }, 3600_000)
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('sign --type message reads stdin; verify --public-key exits 0 and prints the digest', async () => {
    const signed = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'message'], { input: JSON.stringify(message) })
    expect(signed.code, signed.stderr).toBe(0)
    const env = envelopeOf(signed.stdout)
    expect(env.payloadType).toBe(PAYLOAD_TYPES.message)
    expect(env.signatures.map(s => s.keyid)).toEqual([signer.peerId])
    expect(verifyEnvelope(env, verifyKeyFromPeerId(signer.peerId))).toBe(true)
    expect(parseMessage(env.payload)).toEqual(message)

    const verified = await cli(['envelope', 'verify', '--public-key', pemFile], { input: signed.stdout })
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stdout).toBe(envelopeDigest(env) + '\n')
  })

  it('sign --in FILE gives the same envelope as stdin (Ed25519 is deterministic), and verify --in FILE accepts it', async () => {
    const file = join(root, 'message.json')
    await writeFile(file, JSON.stringify(message))
    const fromFile = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'message', '--in', file])
    const fromStdin = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'message'], { input: JSON.stringify(message) })
    expect(fromFile.code, fromFile.stderr).toBe(0)
    expect(fromFile.stdout).toBe(fromStdin.stdout)
    const envFile = join(root, 'message.envelope.json')
    await writeFile(envFile, fromFile.stdout)
    const verified = await cli(['envelope', 'verify', '--public-key', pemFile, '--in', envFile])
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stdout.trim()).toBe(envelopeDigest(envelopeOf(fromFile.stdout)))
  })

  it('signs the compact encoding in the fixed key order, whatever the layout of its input', async () => {
    // body first and the rest reversed: the signed payload must still come out in the fixed order.
    const reordered = Object.fromEntries(Object.entries(message).reverse())
    const signed = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'message'], { input: JSON.stringify(reordered, null, 2) + '\n' })
    expect(signed.code, signed.stderr).toBe(0)
    expect(Buffer.from(envelopeOf(signed.stdout).payload).toString()).toBe(Buffer.from(encodeMessage(message)).toString())
  })

  it("verify with another peer's key exits 1 and prints BAD_SIGNATURE", async () => {
    const signed = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'message'], { input: JSON.stringify(message) })
    const res = await cli(['envelope', 'verify', '--public-key', otherPemFile], { input: signed.stdout })
    expect(res.code).toBe(1)
    expect(res.stdout).toBe('BAD_SIGNATURE\n')
  })

  it('verify of a tampered payload exits 1 with BAD_SIGNATURE', async () => {
    const signed = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'message'], { input: JSON.stringify(message) })
    const env = envelopeOf(signed.stdout)
    const tampered = Buffer.from(Buffer.from(env.payload).toString().replace('"hello"', '"hellO"'))
    expect(tampered.equals(Buffer.from(env.payload))).toBe(false)
    const res = await cli(['envelope', 'verify', '--public-key', pemFile], { input: Buffer.from(encodeEnvelope({ ...env, payload: tampered })).toString() })
    expect(res.code).toBe(1)
    expect(res.stdout).toBe('BAD_SIGNATURE\n')
  })

  it('sign refuses an invalid message with SCHEMA_INVALID (exit 1) and prints no envelope', async () => {
    const res = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'message'], { input: JSON.stringify({ ...message, tlp: 'PURPLE' }) })
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('error SCHEMA_INVALID')
    expect(res.stderr).toContain('tlp')
    expect(res.stdout).toBe('')
  })

  it('sign applies the wire\'s strict JSON: duplicate keys and "v":1.0 are SCHEMA_INVALID', async () => {
    const json = JSON.stringify(message)
    for (const input of [json.replace('"kind":"report"', '"kind":"report","kind":"alert"'), json.replace('"v":1', '"v":1.0')]) {
      const res = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'message'], { input })
      expect(res.code, input).toBe(1)
      expect(res.stderr).toContain('error SCHEMA_INVALID')
    }
  })

  it('verify of a correctly signed but invalid message exits 1 with SCHEMA_INVALID', async () => {
    const payload = Buffer.from(JSON.stringify({ ...message, topic: 'Not A Slug' }))
    const env = signEnvelope(PAYLOAD_TYPES.message, payload, signer)
    const res = await cli(['envelope', 'verify', '--public-key', pemFile], { input: Buffer.from(encodeEnvelope(env)).toString() })
    expect(res.code).toBe(1)
    expect(res.stdout).toBe('SCHEMA_INVALID\n')
    expect(res.stderr).toContain('topic')
  })

  it('sign refuses a message whose from is not this node (SIGNER_MISMATCH), verify reports one', async () => {
    const foreign = { ...message, from: otherPeerId, to: [signer.peerId] }
    const signed = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'message'], { input: JSON.stringify(foreign) })
    expect(signed.code).toBe(1)
    expect(signed.stderr).toContain('error SIGNER_MISMATCH')
    const env = signEnvelope(PAYLOAD_TYPES.message, encodeMessage(foreign), signer)
    const res = await cli(['envelope', 'verify', '--public-key', pemFile], { input: Buffer.from(encodeEnvelope(env)).toString() })
    expect(res.code).toBe(1)
    expect(res.stdout).toBe('SIGNER_MISMATCH\n')
  })

  it('verify of bytes that are not an envelope exits 1 with BAD_ENVELOPE', async () => {
    const res = await cli(['envelope', 'verify', '--public-key', pemFile], { input: '{"payloadType":"x","payload":"","signatures":[],"extra":1}' })
    expect(res.code).toBe(1)
    expect(res.stdout).toBe('BAD_ENVELOPE\n')
  })

  it('sign --type receipt and verify round trip, signing the compact encoding', async () => {
    const receipt: ReceiptV1 = {
      v: 1,
      for: 'ab'.repeat(32),
      messageId: message.id,
      by: signer.peerId,
      at: new Date().toISOString(),
      status: 'rejected',
      reason: 'EXPIRED'
    }
    const signed = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'receipt'], { input: JSON.stringify(receipt, null, 2) + '\n' })
    expect(signed.code, signed.stderr).toBe(0)
    const env = envelopeOf(signed.stdout)
    expect(env.payloadType).toBe(PAYLOAD_TYPES.receipt)
    expect(Buffer.from(env.payload).toString()).toBe(Buffer.from(encodeReceipt(receipt)).toString())
    expect(parseReceipt(env.payload)).toEqual(receipt)
    const verified = await cli(['envelope', 'verify', '--public-key', pemFile], { input: signed.stdout })
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stdout).toBe(envelopeDigest(env) + '\n')
  })

  it('sign --type receipt refuses an invalid receipt and one by another peer', async () => {
    const base = { v: 1, for: 'ab'.repeat(32), messageId: null, by: signer.peerId, at: new Date().toISOString(), status: 'accepted' }
    const invalid = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'receipt'], { input: JSON.stringify({ ...base, reason: 'EXPIRED' }) })
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toContain('error SCHEMA_INVALID')
    const foreign = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'receipt'], { input: JSON.stringify({ ...base, by: otherPeerId }) })
    expect(foreign.code).toBe(1)
    expect(foreign.stderr).toContain('error SIGNER_MISMATCH')
  })

  it('sign with an unknown --type is a usage error (exit 2)', async () => {
    const res = await cli(['envelope', 'sign', '--data-dir', dir, '--type', 'card'], { input: '{}' })
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('BAD_ARGUMENT')
  })

  it('verifies the worked example of PROTOCOL.md: the message with the sender key, the receipt with the recipient key', async () => {
    const digest = (await readFile(fixture('message.digest.txt'), 'utf8')).trim()
    const msg = await cli(['envelope', 'verify', '--public-key', fixture('sender.pub.pem'), '--in', fixture('message.envelope.json')])
    expect(msg.code, msg.stderr).toBe(0)
    expect(msg.stdout).toBe(digest + '\n')
    const receipt = await cli(['envelope', 'verify', '--public-key', fixture('recipient.pub.pem'), '--in', fixture('receipt.envelope.json')])
    expect(receipt.code, receipt.stderr).toBe(0)
    const wrong = await cli(['envelope', 'verify', '--public-key', fixture('recipient.pub.pem'), '--in', fixture('message.envelope.json')])
    expect(wrong.stdout).toBe('BAD_SIGNATURE\n')
  })
})

describe('liaison help and the Node it runs on', () => {
  it('--help exits 0 and lists the commands', async () => {
    const res = await cli(['--help'])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('Usage: liaison COMMAND [SUBCOMMAND] [flags]')
    for (const command of ['init', 'id', 'start', 'peers', 'send', 'inbox', 'envelope']) expect(res.stdout).toMatch(new RegExp(`^  ${command} `, 'm'))
  })

  it("<command> --help exits 0 and prints that command's usage", async () => {
    const res = await cli(['envelope', '--help'])
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/^liaison envelope — /)
    expect(res.stdout).toContain('liaison envelope sign')
    expect(res.stdout).toMatch(/--type TYPE +what the JSON is \(required; message\|receipt\)/)
  })

  it('an unknown command exits 2 with BAD_ARGUMENT and the usage', async () => {
    const res = await cli(['frobnicate'])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('error BAD_ARGUMENT: unknown command frobnicate')
    expect(res.stderr).toContain('Usage: liaison')
  })

  it('node_modules/.bin/node is Node 24', async () => {
    const bin = new URL('../../node_modules/.bin/node', import.meta.url).pathname
    const { stdout } = await promisify(execFile)(bin, ['--version'])
    expect(stdout.trim()).toMatch(/^v24\.\d+\.\d+$/)
  })

  it("the CLI runs on Node 24 (the tests' own node)", () => {
    expect(process.versions.node).toMatch(/^24\./)
  })
})
