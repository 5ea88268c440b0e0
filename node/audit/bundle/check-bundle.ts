/**
 * The bundle checks behind `liaison audit verify --bundle DIR` and the auditor's page in the
 * browser (web/auditor/): every check VERIFY.md describes, on an export bundle read through a
 * BundleSource, with no data directory and no private key. Pure: no file system, no clock but
 * for the timing, SHA-256 of whole files injected (node:crypto in the CLI, WebCrypto in the
 * browser), so both give the same verdicts by running the same code.
 *
 * - every file's SHA-256 is the one manifest.json lists; key files hold the keys their names
 *   (peer IDs) say;
 * - every checkpoint verifies under a node key (signature and time cosignature), the hand-check
 *   files (body, signature, cosigned message) match the note, consecutive checkpoints are
 *   consistent (RFC 9162 proofs), the latest is the one the manifest names;
 * - every entry decodes, hashes to its leaf hash and is in the log: by its inclusion proof, or
 *   (a full export) by rebuilding the whole tree and comparing the root with every checkpoint;
 * - every envelope verifies under its signer's key, its PAE and signature files match it, and an
 *   included leaf records exactly its bytes; purged messages have a purge leaf;
 * - the node is the one the manifest names: the signer of the latest checkpoint; with
 *   `expectNode`, the one the auditor expects (else a NODE_MISMATCH failure);
 * - with `thorough`, every witness cosignature on every checkpoint (witness-check.ts).
 *
 * Signatures are checked by an injected `checkEnvelopes` in batches: inline with the strict
 * decoder (the browser, and the default), or in verification threads (verify-bundle.ts).
 *
 * @module
 */
import { isReceiptEvidence } from '../../../protocol/receipt-evidence.ts'
import { evidenceFiles } from '../evidence-files.ts'
import { parseCheckpoint } from '../../../protocol/checkpoint.ts'
import { cosignedMessage } from '../../../protocol/cosignature.ts'
import { decodeEnvelope, pae } from '../../../protocol/envelope.ts'
import { verifyKeyFromPeerId, publicKeyFromSpkiPem } from '../../../protocol/keys.ts'
import { emptyRoot, leafHash, nodeHash, verifyConsistency, verifyInclusion } from '../../../protocol/merkle.ts'
import { isPeerId, peerIdFromPublicKey } from '../../../protocol/peer-id.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import type { MessageMeta } from '../../store/index.ts'
import { openNodeCheckpoint } from '../checkpoints.ts'
import type { NodeCheckpoint } from '../checkpoints.ts'
import { decodeEntry } from '../entry.ts'
import { fastVerifierName } from '../../../protocol/ed25519-fast.ts'
import { checkStoredEnvelope } from '../verify/envelope-check.ts'
import { messagePrefix } from '../verify/index-tuple.ts'
import { checkWitnessCosignatures, witnessNote } from '../verify/witness-check.ts'
import { emptyReport, Failures } from '../verify/report.ts'
import type { VerifyProgress, VerifyReport } from '../verify/report.ts'
import { childDirs, childNames } from './bundle-source.ts'
import type { BundleSource } from './bundle-source.ts'
import { BUNDLE_FORMAT } from './layout.ts'
import type { BundleConsistency, BundleLeaf, BundleManifest } from './layout.ts'

export interface CheckBundleOptions {
  /** SHA-256 of a whole file, lowercase hex. */
  sha256Hex: (data: Uint8Array) => Promise<string>
  /** Called as each phase advances: files, tree (checkpoints), entries, envelopes. */
  onProgress?: (p: VerifyProgress) => void
  /** What checks the signatures, for the report (default: protocol/ed25519-fast.ts's name). */
  verifier?: string
  /** Require this peer ID to be the node's (current) key: the signer of the latest checkpoint. */
  expectNode?: string
  /** Also check every witness cosignature on the checkpoints. */
  thorough?: boolean
  /** Checks a batch of envelopes' signatures (default: inline, checkStoredEnvelope). */
  checkEnvelopes?: EnvelopeChecker
}

/** One envelope of the bundle whose signature and form are to be checked. */
export interface EnvelopeToCheck {
  kind: 'message' | 'receipt'
  bytes: Uint8Array
  signer: string
  /** Hex digest of the message (for a receipt: of the message it answers). */
  digest: string
  /** A message's index record (its direction, payload type and the fields its prefix binds). */
  meta?: MessageMeta
}

/** Per envelope: null if it verifies, else the problem. Keys are the bundle's verified keys. */
export type EnvelopeChecker = (items: EnvelopeToCheck[], keys: Map<string, VerifyKey>) => Promise<Array<string | null>>

/** The expectation checkStoredEnvelope holds an envelope to. */
export function expectationOf (item: EnvelopeToCheck): Parameters<typeof checkStoredEnvelope>[2] {
  if (item.kind === 'receipt' || item.meta === undefined) return { kind: 'receipt', digest: Buffer.from(item.digest, 'hex') }
  return messageExpectation(item.digest, item.meta)
}

/** Check every envelope here, with the one strict decoder. */
export const inlineChecker: EnvelopeChecker = async (items, keys) =>
  items.map(item => {
    const result = checkStoredEnvelope(item.bytes, keys.get(item.signer) as VerifyKey, expectationOf(item))
    return result.ok ? null : result.problem
  })

/** Envelopes checked per batch: bounds what is held at once. */
const BATCH = 1024

interface Ctx {
  src: BundleSource
  files: string[]
  opts: CheckBundleOptions
  progress: (p: VerifyProgress) => void
}

const utf8 = new TextEncoder()
const DIGEST = /^[0-9a-f]{64}$/

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

const text = new TextDecoder()

/** A file the checks cannot go on without: missing is an error that ends the check. */
async function readRequired (c: Ctx, path: string): Promise<string> {
  const data = await c.src.read(path)
  if (data === undefined) throw new Error(`${path} is missing`)
  return text.decode(data)
}

interface LeafFacts {
  /** digest → envelopeSha256 of its latest message leaf. */
  messages: Map<string, string>
  /** digest!by → envelopeSha256 of its latest receipt leaf. */
  receipts: Map<string, string>
  purged: Set<string>
}

/** Check the bundle `src` holds; `label` names it in the report (its directory, its folder name). */
export async function checkBundle (src: BundleSource, label: string, opts: CheckBundleOptions): Promise<VerifyReport> {
  const started = performance.now()
  const report = emptyReport(label)
  report.verifier = opts.verifier ?? fastVerifierName()
  const failures = new Failures()
  try {
    const c: Ctx = { src, files: await src.files(), opts, progress: opts.onProgress ?? (() => {}) }
    await check(c, report, failures)
  } catch (err) {
    failures.add('bundle', label, `cannot be read: ${(err as Error).message}`)
  }
  report.failures = failures.list
  report.failureCount = failures.count
  report.ok = failures.count === 0
  report.timing.ms = performance.now() - started
  report.timing.envelopesPerSecond = report.envelopes / (report.timing.ms / 1000)
  return report
}

async function check (c: Ctx, report: VerifyReport, failures: Failures): Promise<void> {
  const manifest = JSON.parse(await readRequired(c, 'manifest.json')) as BundleManifest
  if (manifest.format !== BUNDLE_FORMAT) {
    failures.add('bundle', 'manifest.json', `format is ${String(manifest.format)}, not ${BUNDLE_FORMAT}`)
    return
  }
  report.node = manifest.node
  report.nodeKeys = manifest.nodeKeys

  // Files against the manifest.
  const listed = new Set(Object.keys(manifest.files))
  const total = listed.size
  for (const [path, digest] of Object.entries(manifest.files)) {
    const data = await c.src.read(path)
    if (data === undefined) failures.add('bundle', path, 'is listed in manifest.json but missing')
    else if (await c.opts.sha256Hex(data) !== digest) failures.add('bundle', path, 'differs from the SHA-256 manifest.json lists')
    report.files.checked++
    report.files.bytes += data?.length ?? 0
    c.progress({ phase: 'files', done: report.files.checked, total })
  }
  for (const path of c.files) {
    if (path !== 'manifest.json' && !listed.has(path)) report.notes.push(`${path} is not listed in manifest.json (not checked)`)
  }

  // Keys.
  const keys = new Map<string, VerifyKey>()
  for (const name of childNames(c.files, 'keys')) {
    const peerId = name.replace(/\.pem$/, '')
    try {
      const raw = publicKeyFromSpkiPem(await readRequired(c, `keys/${name}`))
      if (peerIdFromPublicKey(raw) !== peerId) failures.add('bundle', `keys/${name}`, 'holds a key whose peer ID is not its file name')
      else keys.set(peerId, verifyKeyFromPeerId(peerId))
    } catch (err) {
      failures.add('bundle', `keys/${name}`, `is not an Ed25519 SPKI public key: ${(err as Error).message}`)
    }
  }
  for (const k of manifest.nodeKeys) if (!keys.has(k)) failures.add('bundle', `keys/${k}.pem`, 'the node key is missing')

  const checkpoints = await checkCheckpoints(c, manifest, failures)
  const latest = checkpoints.at(-1)
  // Whose record this is: the key that signed the latest checkpoint, not what the manifest says.
  const node = latest?.signer ?? manifest.node
  report.node = node
  if (latest !== undefined && latest.signer !== manifest.node) {
    failures.add('bundle', 'manifest.json', `names node ${String(manifest.node)}, but the latest checkpoint is signed by ${latest.signer}`)
  }
  if (c.opts.expectNode != null && node !== c.opts.expectNode) {
    failures.add('node', 'manifest.json', `the node key is ${node}, not the expected ${c.opts.expectNode}`, 'NODE_MISMATCH')
  }
  if (c.opts.thorough === true) {
    const seen = new Set<string>()
    let cosignatures = 0
    for (const cp of checkpoints) {
      const w = checkWitnessCosignatures(cp.note, manifest.nodeKeys)
      for (const f of w.failed) failures.add('checkpoint', `checkpoints/${cp.checkpoint.size}/note.txt`, `witness ${f.witness}: ${f.problem}`)
      for (const id of w.verified) seen.add(id)
      cosignatures += w.verified.length
    }
    report.notes.push(witnessNote(cosignatures, seen, checkpoints.length))
  } else {
    report.notes.push('witness cosignatures were not checked (run with --thorough to check them too)')
  }
  report.checkpoints = { count: checkpoints.length, latest: latest == null ? null : { size: latest.checkpoint.size, time: latest.time }, uncheckpointed: 0 }
  if (
    latest === undefined || latest.checkpoint.size !== manifest.checkpoint.size ||
    Buffer.from(latest.checkpoint.root).toString('base64') !== manifest.checkpoint.root
  ) {
    failures.add('checkpoint', 'manifest.json', 'the checkpoint it names is not the latest verified checkpoint of the bundle')
    return
  }
  const facts = await checkEntries(c, manifest, checkpoints, report, failures)
  await checkMessages(c, keys, facts, report, failures)
}

async function checkCheckpoints (c: Ctx, manifest: BundleManifest, failures: Failures): Promise<NodeCheckpoint[]> {
  const out: NodeCheckpoint[] = []
  const names = childDirs(c.files, 'checkpoints')
  if (names.length === 0 && !c.files.some(f => f.startsWith('checkpoints/'))) throw new Error('checkpoints/ is missing')
  const sizes = names.map(Number).sort((a, b) => a - b)
  let done = 0
  for (const size of sizes) {
    const at = `checkpoints/${size}`
    c.progress({ phase: 'tree', done: done++, total: sizes.length })
    try {
      const note = await readRequired(c, `${at}/note.txt`)
      const cp = openNodeCheckpoint(note, manifest.nodeKeys)
      if (cp.checkpoint.size !== size) throw new Error(`signs size ${cp.checkpoint.size}`)
      const body = note.slice(0, note.lastIndexOf('\n\n') + 1)
      parseCheckpoint(body)
      const same = async (file: string, expected: Uint8Array): Promise<void> => {
        const data = await c.src.read(`${at}/${file}`)
        if (data === undefined || !equalBytes(data, expected)) failures.add('checkpoint', `${at}/${file}`, 'does not match note.txt')
      }
      await same('body.txt', utf8.encode(body))
      await same('cosigned.bin', cosignedMessage(body, cp.time))
      out.push(cp)
    } catch (err) {
      failures.add('checkpoint', at, `does not verify: ${(err as Error).message}`)
    }
  }
  c.progress({ phase: 'tree', done, total: sizes.length })
  const consistency = JSON.parse(await readRequired(c, 'checkpoints/consistency.json')) as BundleConsistency[]
  const roots = new Map(out.map(c => [c.checkpoint.size, c]))
  for (let i = 1; i < out.length; i++) {
    const a = out[i - 1].checkpoint.size
    const b = out[i].checkpoint.size
    const proof = consistency.find(c => c.from === a && c.to === b)
    const ra = roots.get(a)
    const rb = roots.get(b)
    if (
      proof === undefined || ra === undefined || rb === undefined ||
      !verifyConsistency(a, b, proof.proof.map(h => Buffer.from(h, 'hex')), ra.checkpoint.root, rb.checkpoint.root)
    ) {
      failures.add('checkpoint', `checkpoints ${a} → ${b}`, 'are not shown consistent')
    }
    if (out[i].time < out[i - 1].time) failures.add('checkpoint', `checkpoint ${b}`, 'is dated before the checkpoint preceding it')
  }
  return out
}

async function checkEntries (c: Ctx, manifest: BundleManifest, checkpoints: NodeCheckpoint[], report: VerifyReport, failures: Failures): Promise<LeafFacts> {
  const facts: LeafFacts = { messages: new Map(), receipts: new Map(), purged: new Set() }
  const jsonl = await readRequired(c, 'audit/entries.jsonl')
  const lines = jsonl === '' ? [] : jsonl.slice(0, -1).split('\n')
  const leaves = JSON.parse(await readRequired(c, 'audit/leaves.json')) as BundleLeaf[]
  if (leaves.length !== lines.length) failures.add('bundle', 'audit/leaves.json', `describes ${leaves.length} entries, entries.jsonl has ${lines.length}`)
  const latest = checkpoints[checkpoints.length - 1]
  const size = latest.checkpoint.size
  const root = latest.checkpoint.root
  // A full export rebuilds the tree: its root at every checkpoint size must be the signed one.
  const frontier: Uint8Array[] = []
  let built = 0
  const cps = new Map(checkpoints.map(c => [c.checkpoint.size, c.checkpoint.root]))
  const foldRoot = (): Uint8Array => {
    let r = frontier[frontier.length - 1]
    for (let i = frontier.length - 2; i >= 0; i--) r = nodeHash(frontier[i], r)
    return r
  }
  const count = Math.min(lines.length, leaves.length)
  for (let n = 0; n < count; n++) {
    if (n % 256 === 0) c.progress({ phase: 'entries', done: n, total: count })
    const leaf = leaves[n]
    const where = `audit/entries.jsonl line ${n + 1} (leaf ${leaf.index})`
    const bytes = utf8.encode(lines[n])
    const hash = leafHash(bytes)
    if (Buffer.from(hash).toString('hex') !== leaf.leafHash) failures.add('entry', where, 'its leaf hash is not SHA-256(0x00 ‖ entry)')
    if (manifest.full) {
      if (leaf.index !== built) failures.add('entry', where, `a full export must list every leaf in order; expected leaf ${built}`)
      let h = hash
      for (let i = built; i % 2 === 1; i = (i - 1) / 2) h = nodeHash(frontier.pop() as Uint8Array, h)
      frontier.push(h)
      built++
      const signed = cps.get(built)
      if (signed !== undefined && !equalBytes(foldRoot(), signed)) failures.add('checkpoint', `checkpoint ${built}`, 'its root is not the root of the entries')
    } else if (leaf.proof === null || leaf.index >= size) {
      failures.add('entry', where, `is not covered by the latest checkpoint (size ${size}); issue a checkpoint and export again`)
    } else if (!verifyInclusion(leaf.index, size, hash, leaf.proof.map(h => Buffer.from(h, 'hex')), root)) {
      failures.add('entry', where, 'its inclusion proof does not lead to the signed root')
    }
    try {
      const entry = decodeEntry(bytes)
      if (entry.type === 'message.sent' || entry.type === 'message.received') facts.messages.set(entry.digest, entry.envelopeSha256)
      if (entry.type === 'receipt.stored') facts.receipts.set(`${entry.for}!${entry.by}`, entry.envelopeSha256)
      if (entry.type === 'purge') { for (const d of entry.digests) facts.purged.add(d) }
    } catch (err) {
      failures.add('entry', where, (err as Error).message)
    }
  }
  if (manifest.full && built !== size && !(built === 0 && equalBytes(root, emptyRoot()))) {
    failures.add('checkpoint', `checkpoint ${size}`, `signs ${size} entries; the full export holds ${built}`)
  }
  c.progress({ phase: 'entries', done: count, total: count })
  report.entries = lines.length
  report.tree = { size, root: Buffer.from(root).toString('base64') }
  return facts
}

async function checkMessages (c: Ctx, keys: Map<string, VerifyKey>, facts: LeafFacts, report: VerifyReport, failures: Failures): Promise<void> {
  const digests = childNames(c.files, 'messages').filter(d => DIGEST.test(d))
  const present = new Set(digests)
  const checker = c.opts.checkEnvelopes ?? inlineChecker
  let pending: Array<{ item: EnvelopeToCheck, base: string, where: string, leaf: string | undefined }> = []
  const flush = async (): Promise<void> => {
    const batch = pending
    pending = []
    if (batch.length === 0) return
    const problems = await checker(batch.map(p => p.item), keys)
    for (let i = 0; i < batch.length; i++) {
      const { item, base, where, leaf } = batch[i]
      const problem = problems[i]
      if (problem != null) {
        failures.add(item.kind, where, problem)
        continue
      }
      await checkEnvelopeFiles(c, base, item.bytes, where, item.kind, failures)
      if (item.kind === 'message') report.messages.verified++
      else report.receipts.verified++
      if (leaf === undefined) failures.add(item.kind, where, 'no entry in the bundle records it')
      else if (leaf !== await c.opts.sha256Hex(item.bytes)) failures.add(item.kind, where, 'envelope.json differs from the bytes its entry records')
    }
  }
  const queue = async (item: EnvelopeToCheck, base: string, where: string, leaf: string | undefined): Promise<void> => {
    report.envelopes++
    if (!keys.has(item.signer)) {
      failures.add(item.kind, where, `the bundle holds no key for its signer ${item.signer}`)
      return
    }
    pending.push({ item, base, where, leaf })
    if (pending.length >= BATCH) await flush()
  }
  let done = 0
  for (const digest of digests) {
    c.progress({ phase: 'envelopes', done: done++, total: digests.length })
    const base = `messages/${digest}`
    const where = `message ${digest}`
    const meta = JSON.parse(await readRequired(c, `${base}/meta.json`)) as MessageMeta
    report.messages.stored++
    const bytes = await c.src.read(`${base}/envelope.json`)
    if (bytes === undefined) {
      if (meta.purgedAt == null) failures.add('message', where, 'its envelope is missing and it is not marked purged')
      else if (!facts.purged.has(digest)) failures.add('message', where, 'marked purged, but no purge entry in the bundle names it')
      else report.messages.purged++
    } else {
      await queue({ kind: 'message', bytes, signer: String(meta.from), digest, meta }, base, where, facts.messages.get(digest))
    }
    for (const by of childNames(c.files, `${base}/receipts`)) {
      const rbase = `${base}/receipts/${by}`
      const rwhere = `receipt for ${digest} by ${by}`
      const receipt = await c.src.read(`${rbase}/envelope.json`)
      if (receipt === undefined || !isPeerId(by)) {
        failures.add('receipt', rwhere, 'envelope.json is missing')
        continue
      }
      report.receipts.stored++
      await queue({ kind: 'receipt', bytes: receipt, signer: by, digest }, rbase, rwhere, facts.receipts.get(`${digest}!${by}`))
    }
  }
  await flush()
  c.progress({ phase: 'envelopes', done, total: digests.length })
  for (const digest of facts.messages.keys()) {
    if (!present.has(digest)) failures.add('message', `message ${digest}`, 'an entry records it, but the bundle does not contain it')
  }
}

function messageExpectation (digest: string, meta: MessageMeta): Parameters<typeof checkStoredEnvelope>[2] {
  const payloadType = meta.payloadType ?? PAYLOAD_TYPES.message
  return payloadType === PAYLOAD_TYPES.message
    ? { kind: 'message', digest: Buffer.from(digest, 'hex'), prefix: utf8.encode(messagePrefix(meta)) }
    : { kind: 'message', digest: Buffer.from(digest, 'hex'), payloadType, id: meta.id }
}

/** pae.bin and sig-<n>.bin of an envelope that verified: the hand-check files VERIFY.md uses. */
async function checkEnvelopeFiles (c: Ctx, base: string, bytes: Uint8Array, where: string, kind: 'message' | 'receipt', failures: Failures): Promise<void> {
  if (kind === 'receipt' && isReceiptEvidence(bytes)) {
    // Exchange v2 evidence: its hand-check files are derived from it (evidence-files.ts).
    for (const [name, content] of Object.entries(evidenceFiles(bytes))) {
      const file = await c.src.read(`${base}/${name}`)
      const want = typeof content === 'string' ? utf8.encode(content) : content
      if (file === undefined || !equalBytes(file, want)) failures.add(kind, where, `${name} is not what envelope.json implies`)
    }
    return
  }
  const env = decodeEnvelope(bytes)
  const paeFile = await c.src.read(`${base}/pae.bin`)
  if (paeFile === undefined || !equalBytes(paeFile, pae(env.payloadType, env.payload))) failures.add(kind, where, 'pae.bin is not the PAE of envelope.json')
  for (let n = 0; n < env.signatures.length; n++) {
    const sig = await c.src.read(`${base}/sig-${n}.bin`)
    if (sig === undefined || !equalBytes(sig, env.signatures[n].sig)) failures.add(kind, where, `sig-${n}.bin is not signature ${n} of envelope.json`)
  }
}
