/**
 * The worked example of PROTOCOL.md §17, as files: one message from the RFC 8032 TEST 1 key to
 * the TEST 2 key, its DSSE envelope, wire frame, PAE bytes, raw signature and digest, both
 * public keys (peer ID and SPKI PEM), and the receipt the recipient signs for it. Ed25519 signatures are deterministic and every other input is fixed,
 * so the output never changes; test/unit/fixtures.test.ts rebuilds it in memory and compares
 * it byte for byte with the committed files.
 *
 *     node scripts/make-fixtures.ts          # (re)writes test/fixtures/
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { encodeEnvelope, pae, paeDigest, signEnvelope } from '../protocol/envelope.ts'
import { publicKeyToSpkiPem, signerFromSeed } from '../protocol/keys.ts'
import { encodeFrame } from '../protocol/frame.ts'
import { encodeMessage } from '../protocol/message.ts'
import { encodeReceipt } from '../protocol/receipt.ts'
import { PAYLOAD_TYPES } from '../protocol/types.ts'
import type { MessageV1, ReceiptV1, Signer } from '../protocol/types.ts'
import { uuidV7 } from '../protocol/uuid.ts'

/** RFC 8032 §7.1 TEST 1: the sender. Public key d75a9801…f707511a. */
export const SENDER_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'
/** RFC 8032 §7.1 TEST 2: the recipient. Public key 3d4017c3…4660c660c. */
export const RECIPIENT_SEED = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'

/** When the example message was created and when the receipt was signed. */
export const EXAMPLE_CREATED = '2026-01-15T09:30:00.000Z'
export const EXAMPLE_EXPIRES = '2026-02-14T09:30:00.000Z'
export const EXAMPLE_RECEIPT_AT = '2026-01-15T09:30:01.250Z'
/** The 10 "random" bytes of the example's UUIDv7 (fixed, so the id is too). */
const EXAMPLE_UUID_RANDOM = Uint8Array.of(0x0c, 0x4d, 0x9e, 0x21, 0x5a, 0x77, 0x03, 0xb8, 0xe1, 0x6f)
/** Those of the STIX example's id (§10.1). */
const EXAMPLE_STIX_UUID_RANDOM = Uint8Array.of(0x0c, 0x4d, 0x9e, 0x21, 0x5a, 0x77, 0x03, 0xb8, 0xe1, 0x70)

export const FIXTURES_DIR = new URL('../test/fixtures/', import.meta.url)

/** The example as parsed values, for tests that want more than the bytes. */
export interface Example {
  sender: Signer
  recipient: Signer
  message: MessageV1
  receipt: ReceiptV1
  /** File name in test/fixtures/ → exact contents. */
  files: Record<string, Uint8Array>
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Builds every fixture in memory (pure: no clock, no randomness, no I/O). */
export function buildExample (): Example {
  const sender = signerFromSeed(Buffer.from(SENDER_SEED, 'hex'))
  const recipient = signerFromSeed(Buffer.from(RECIPIENT_SEED, 'hex'))

  const message: MessageV1 = {
    v: 1,
    id: uuidV7(Date.parse(EXAMPLE_CREATED), EXAMPLE_UUID_RANDOM),
    kind: 'report',
    from: sender.peerId,
    to: [recipient.peerId],
    created: EXAMPLE_CREATED,
    expires: EXAMPLE_EXPIRES,
    tlp: 'AMBER',
    handling: ['no-onward-without-consent'],
    topic: 'payment-fraud',
    legalBasis: 'eu:2016/680',
    body: { summary: 'Mule accounts used in invoice fraud', accounts: 3, reference: 'CASE-2026-0042' }
  }
  const messagePayload = encodeMessage(message)
  const messageEnvelope = signEnvelope(PAYLOAD_TYPES.message, messagePayload, sender)
  const messageEnvelopeBytes = encodeEnvelope(messageEnvelope)
  const messagePae = pae(PAYLOAD_TYPES.message, messagePayload)
  const digest = paeDigest(messagePae)

  const receipt: ReceiptV1 = {
    v: 1,
    for: digest,
    messageId: message.id,
    by: recipient.peerId,
    at: EXAMPLE_RECEIPT_AT,
    status: 'accepted'
  }
  const receiptPayload = encodeReceipt(receipt)
  const receiptEnvelope = signEnvelope(PAYLOAD_TYPES.receipt, receiptPayload, recipient)

  // §10.1: a message whose body is a STIX 2.1 bundle (one TLP:GREEN indicator, TLP 2.0 id).
  const stixMessage: MessageV1 = {
    ...message,
    id: uuidV7(Date.parse(EXAMPLE_CREATED), EXAMPLE_STIX_UUID_RANDOM),
    topic: 'malware',
    body: {
      type: 'bundle',
      id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
      objects: [{
        type: 'indicator',
        spec_version: '2.1',
        id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
        created: '2026-01-15T09:00:00.000Z',
        modified: '2026-01-15T09:00:00.000Z',
        name: 'Invoice-fraud dropper',
        indicator_types: ['malicious-activity'],
        pattern: "[file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']",
        pattern_type: 'stix',
        valid_from: '2026-01-15T09:00:00Z',
        object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb']
      }]
    }
  }
  const stixPayload = encodeMessage(stixMessage)
  const stixEnvelope = signEnvelope(PAYLOAD_TYPES.message, stixPayload, sender)

  const files: Record<string, Uint8Array> = {
    'sender.peer-id.txt': utf8(sender.peerId + '\n'),
    'sender.pub.pem': utf8(publicKeyToSpkiPem(sender.publicKey)),
    'recipient.peer-id.txt': utf8(recipient.peerId + '\n'),
    'recipient.pub.pem': utf8(publicKeyToSpkiPem(recipient.publicKey)),
    'message.json': messagePayload,
    'message.envelope.json': messageEnvelopeBytes,
    'message.frame.bin': encodeFrame(messageEnvelopeBytes),
    'message.pae.bin': messagePae,
    'message.sig.bin': messageEnvelope.signatures[0].sig,
    'message.digest.txt': utf8(digest + '\n'),
    'receipt.json': receiptPayload,
    'receipt.envelope.json': encodeEnvelope(receiptEnvelope),
    'receipt.sig.bin': receiptEnvelope.signatures[0].sig,
    'stix-message.json': stixPayload,
    'stix-message.envelope.json': encodeEnvelope(stixEnvelope),
    'stix-message.digest.txt': utf8(paeDigest(pae(PAYLOAD_TYPES.message, stixPayload)) + '\n')
  }
  return { sender, recipient, message, receipt, files }
}

async function main (): Promise<void> {
  await mkdir(FIXTURES_DIR, { recursive: true })
  for (const [name, bytes] of Object.entries(buildExample().files)) {
    await writeFile(new URL(name, FIXTURES_DIR), bytes)
    console.log(`wrote test/fixtures/${name} (${bytes.length} bytes)`)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
