/**
 * The JSON shapes of the CLI's outputs that are not an API response (those are the route
 * table's, output.ts apiOutput). Written as the node produces them (epoch numbers where the
 * store keeps them); output.ts turns those into RFC 3339 on the way out and in the documented
 * JSON Schema. A change here is a change of a documented interface: docs/cli.md and
 * docs/cli-output.schema.json are regenerated from it (`npm run docs:cli`).
 *
 * @module
 */
import { z } from 'zod'
import { configSchema } from '../config/index.ts'
import { digest, instant, messageMeta, deliveryRecord, peerId, peerStatusChange } from '../api/schemas.ts'
import { ROUTES } from '../api/routes/index.ts'

const apiResponse = (operationId: string): z.ZodType => {
  const route = ROUTES.find(r => r.operationId === operationId)
  if (route == null) throw new Error(`no API operation ${operationId}`)
  return route.response
}

const int = z.number().int()
const checkpointView = z.object({
  origin: z.string(),
  size: int,
  root: z.string().describe('standard base64, as in the note'),
  time: int.describe("the checkpoint's time (epoch seconds in the signed note)"),
  note: z.string().describe('the signed C2SP checkpoint note')
})
const secret = z.object({ file: z.string(), present: z.boolean(), mode: z.string().describe('octal file mode, e.g. 600').optional() })
const counts = z.object({ messages: int, purged: int, receipts: int, entries: int, checkpoints: int, keys: int })
const signature = z.object({
  valid: z.boolean().nullable().describe("whether the signature verifies under the signer's key; null once the envelope is purged"),
  signer: peerId
})

export const CLI_OUTPUTS = {
  MessageEvidence: z.object({
    digest,
    evidence: z.array(z.object({ by: peerId.describe('the recipient whose batch receipt this is'), dir: z.string().describe('where its files were written') }))
  }),
  TaskForceVerify: z.object({
    valid: z.array(z.object({ version: int, digest, kind: z.string(), members: z.array(peerId), signers: z.array(peerId) })).describe(
      "versions that bear their governance's quorum, oldest first"
    ),
    pending: z.array(z.object({ version: int, digest, signers: z.array(peerId) })).describe('versions short of the quorum'),
    superseded: z.array(z.object({ version: int, digest, signers: z.array(peerId) })).describe('versions that lost to a competing one (exit 1)')
  }),
  Init: z.object({ peerId, dataDir: z.string() }),
  Id: z.object({ peerId, publicKeyPem: z.string().describe('SPKI PEM') }),
  ConfigReport: z.object({
    dataDir: z.string(),
    configFile: z.string(),
    config: configSchema,
    overrides: z.array(z.object({ variable: z.string(), path: z.string() })).describe('keys whose value came from a LIAISON_* variable'),
    policy: z.object({ file: z.string(), present: z.boolean() }),
    secrets: z.object({ apiToken: secret, identityKey: secret }).describe('where each secret lives; never its contents'),
    running: z.object({ pid: int, apiUrl: z.string(), addresses: z.array(z.string()) }).optional()
  }),
  ConfigCheck: z.object({ ok: z.literal(true), file: z.string(), policy: z.string().optional() }),
  Purge: z.object({ purged: z.array(digest), deferred: int, checkpoint: z.object({ size: int, time: int }).nullable() }),
  MessageShow: z.object({
    meta: messageMeta,
    body: z.unknown().describe('the message body (or, for a forward or release, its payload) decoded; null once purged'),
    signature,
    receipts: z.array(
      z.object({
        by: peerId,
        status: z.string().describe('accepted or rejected, as the receipt says'),
        reason: z.string().optional(),
        at: instant,
        valid: z.boolean().describe("whether the receipt's signature verifies under `by`"),
        envelope: z.base64().describe('the signed receipt envelope, base64')
      })
    ),
    deliveries: z.array(deliveryRecord).optional(),
    envelope: z.base64().describe('with --envelope: the envelope exactly as signed or received').optional()
  }),
  EnvelopeVerify: z.object({
    valid: z.boolean(),
    digest: digest.optional(),
    payloadType: z.string().optional(),
    code: z.string().describe('the reason code when invalid').optional(),
    detail: z.string().optional()
  }),
  KeysFinish: z.object({ switched: z.literal(true), peerId }),
  KeysRevoke: z.object({
    peerId,
    courier: peerId,
    delivered: int,
    total: int,
    peers: z.array(
      z.object({ peerId, name: z.string(), status: z.string(), reason: z.string().optional(), detail: z.string().optional(), receipt: z.string().optional() })
    )
  }),
  VerifyReport: z.object({
    ok: z.boolean(),
    source: z.string(),
    node: z.string().nullable(),
    nodeKeys: z.array(z.string()),
    tree: z.object({ size: int, root: z.string().nullable() }),
    checkpoints: z.object({ count: int, latest: z.object({ size: int, time: int }).nullable(), uncheckpointed: int }),
    entries: int,
    messages: z.object({ stored: int, verified: int, purged: int }),
    receipts: z.object({ stored: int, verified: int }),
    envelopes: int,
    files: z.object({ checked: int, bytes: int }),
    failures: z.array(z.object({ check: z.string(), where: z.string(), detail: z.string(), code: z.literal('NODE_MISMATCH').optional() })),
    failureCount: int,
    notes: z.array(z.string()),
    verifier: z.string(),
    timing: z.object({
      ms: z.number(),
      envelopesPerSecond: z.number(),
      workers: int,
      cpuMs: z.object({ total: z.number(), main: z.number(), workers: z.number() })
    })
  }),
  StoreFsck: z.object({
    ok: z.boolean(),
    source: z.string(),
    files: z.object({ checked: int, bytes: int }),
    failures: z.array(z.object({ check: z.literal('storage'), where: z.string(), detail: z.string() })),
    failureCount: int,
    notes: z.array(z.string())
  }),
  AuditExport: z.object({
    out: z.string(),
    format: z.string(),
    createdAt: instant,
    node: peerId,
    nodeKeys: z.array(z.string()),
    filters: z.object({ since: z.string().nullable(), peer: z.string().nullable() }),
    full: z.boolean(),
    checkpoint: z.object({ size: int, root: z.string(), time: int }),
    counts,
    files: int.describe('how many files the manifest lists')
  }),
  DigestProof: z.object({
    digest,
    checkpoint: checkpointView.nullable(),
    leaves: z.array(
      z.object({
        index: int,
        entry: z.string().describe('the entry exactly as stored'),
        leafHash: z.string(),
        proof: z.array(z.string()).nullable().describe('RFC 9162 inclusion proof, bottom-up, hex; null if newer than the checkpoint')
      })
    )
  }),
  Checkpoint: checkpointView,
  SplitView: z.object({ alert: int, reason: z.string(), dir: z.string(), files: z.array(z.string()) }),
  ReportVerdict: z.object({
    ok: z.boolean(),
    signed: z.boolean(),
    signer: z.string().nullable(),
    checkpoint: z.object({ size: int, root: z.string(), rootMatches: z.boolean(), signedCheckpoint: z.boolean() }),
    differences: z.array(z.string()),
    via: z.enum(['api', 'data-dir', 'bundle']).describe(
      'who recomputed it: api — the node running on the data directory (POST /v1/report/verify; its store is locked while it runs); ' +
        "data-dir — this command, from a snapshot of a stopped node's store; bundle — this command, from the audit bundle"
    )
  }),
  IndexAdd: z.object({
    added: int,
    updated: int,
    refused: z.array(z.object({ origin: z.string().describe('where the value came from (a CSV line); never the value'), code: z.string(), reason: z.string() }))
      .describe('at most 1,000 refusals are listed'),
    refusedTotal: int.describe('every refused line, listed or not')
  }),
  IndexRemove: z.object({ removed: z.literal(true) }),
  IndexList: z.object({
    types: z.record(z.string(), int).describe('selectors per type'),
    oprfKey: z.object({ epoch: int, publicKey: z.string(), keyId: z.string(), created: instant })
  }),
  IndexRotate: z.object({
    epoch: int,
    records: int,
    keyId: z.string().describe("the new OPRF key's id (hex)"),
    previousKeyId: z.string().describe("the retired key's id (hex)")
  }),
  PeersRevoke: z.union([peerStatusChange, apiResponse('applyRevocation')]).describe('API setPeerStatus; with --certificate, API applyRevocation')
} satisfies Record<string, z.ZodType>
