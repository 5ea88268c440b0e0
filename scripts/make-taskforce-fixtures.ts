/**
 * Builds the task force fixtures in test/taskforce-fixtures/ (PROTOCOL.md §21): a founding
 * charter of three agencies (quorum 2) signed by all three, and an amendment removing the third
 * signed by the other two. Deterministic — Ed25519 signatures are, the keys are the RFC 8032
 * §7.1 TEST 1..3 secret keys, and every id and time is fixed — so the committed files are
 * exactly what this builds (test/unit/taskforce.test.ts checks it).
 *
 *     node scripts/make-taskforce-fixtures.ts     (rewrites the files)
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { encodeEnvelope } from '../protocol/envelope.ts'
import { signerFromSeed } from '../protocol/keys.ts'
import { addSignature, checkCharterEnvelope, encodeCharter, signCharter, type CharterV1 } from '../protocol/taskforce/index.ts'
import type { Signer } from '../protocol/types.ts'

/** RFC 8032 §7.1 TEST 1, 2 and 3 secret keys. */
export const TASKFORCE_SEEDS = [
  '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
  'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7'
] as const

export const TASKFORCE_FIXTURES_DIR = new URL('../test/taskforce-fixtures/', import.meta.url)

export interface TaskForceExample {
  signers: Signer[]
  v1: CharterV1
  v2: CharterV1
  /** File name → exact bytes. */
  files: Record<string, Uint8Array>
}

export function buildTaskForceExample (): TaskForceExample {
  const signers = TASKFORCE_SEEDS.map(seed => signerFromSeed(Buffer.from(seed, 'hex')))
  const [a, b, c] = signers
  const v1: CharterV1 = {
    v: 1,
    id: '019a8f3c-5b00-7000-8000-00000000f001',
    version: 1,
    previous: null,
    name: 'JIT Rhine',
    purpose: 'Joint investigation of a cross-border investment fraud ring',
    legalBasis: 'JIT-2026-04',
    members: [
      { peerId: a.peerId, name: 'Agency A', jurisdiction: 'DE' },
      { peerId: b.peerId, name: 'Agency B', jurisdiction: 'NL' },
      { peerId: c.peerId, name: 'Agency C', jurisdiction: 'FR' }
    ],
    topics: ['fraud', 'money-laundering'],
    maxTlp: 'AMBER',
    handling: ['no-judicial-use-without-consent'],
    validFrom: '2026-04-01T00:00:00.000Z',
    validUntil: '2026-10-01T00:00:00.000Z',
    governance: { quorum: 2 },
    status: 'active',
    proposedBy: a.peerId,
    proposed: '2026-03-20T09:00:00.000Z'
  }
  const payload1 = encodeCharter(v1)
  let env1 = signCharter(payload1, a)
  env1 = addSignature(checkCharterEnvelope(env1), b)
  env1 = addSignature(checkCharterEnvelope(env1), c)
  const s1 = checkCharterEnvelope(env1)
  const v2: CharterV1 = { ...v1, version: 2, previous: s1.digest, members: v1.members.slice(0, 2), proposedBy: a.peerId, proposed: '2026-06-02T14:00:00.000Z' }
  const payload2 = encodeCharter(v2)
  const env2 = addSignature(checkCharterEnvelope(signCharter(payload2, a), v1.members.map(m => m.peerId)), b)
  const s2 = checkCharterEnvelope(env2, v1.members.map(m => m.peerId))
  return {
    signers,
    v1,
    v2,
    files: {
      'charter-v1.json': payload1,
      'charter-v1.envelope.json': encodeEnvelope(env1),
      'charter-v1.digest.txt': new TextEncoder().encode(s1.digest + '\n'),
      'charter-v2.json': payload2,
      'charter-v2.envelope.json': encodeEnvelope(env2),
      'charter-v2.digest.txt': new TextEncoder().encode(s2.digest + '\n')
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await mkdir(TASKFORCE_FIXTURES_DIR, { recursive: true })
  for (const [name, bytes] of Object.entries(buildTaskForceExample().files)) await writeFile(new URL(name, TASKFORCE_FIXTURES_DIR), bytes)
}
