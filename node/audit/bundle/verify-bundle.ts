/**
 * `liaison audit verify --bundle DIR`: every check VERIFY.md describes, on an export bundle,
 * with no data directory and no private key:
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
 * Signatures are checked in `workers` verification threads (verify/worker-pool.ts), with
 * libsodium or, with `libsodium: false`, node:crypto alone — as on a data directory.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { parseCheckpoint } from '../../../protocol/checkpoint.ts'
import { cosignedMessage } from '../../../protocol/cosignature.ts'
import { decodeEnvelope, pae } from '../../../protocol/envelope.ts'
import { verifyKeyFromPeerId, publicKeyFromSpkiPem } from '../../../protocol/keys.ts'
import { emptyRoot, leafHash, nodeHash, verifyConsistency, verifyInclusion } from '../../../protocol/merkle.ts'
import { isPeerId, peerIdFromPublicKey } from '../../../protocol/peer-id.ts'
import { PAYLOAD_TYPES } from '../../../protocol/types.ts'
import type { VerifyKey } from '../../../protocol/types.ts'
import type { MessageMeta } from '../../store/records.ts'
import { openNodeCheckpoint } from '../checkpoints.ts'
import type { NodeCheckpoint } from '../checkpoints.ts'
import { decodeEntry } from '../entry.ts'
import { fastVerifierName } from '../../../protocol/ed25519-fast.ts'
import { availableParallelism } from 'node:os'
import { messagePrefix } from '../verify/index-tuple.ts'
import { emptyReport, Failures } from '../verify/report.ts'
import type { VerifyReport } from '../verify/report.ts'
import { ChunkWriter, KIND_IN, KIND_OUT, KIND_RECEIPT, PAYLOAD_CODES, UNKNOWN_PAYLOAD, itemSize } from '../verify/chunk.ts'
import { WorkerPool } from '../verify/worker-pool.ts'
import { checkWitnessCosignatures, witnessNote } from '../verify/witness-check.ts'
import { BUNDLE_FORMAT } from './layout.ts'
import type { BundleConsistency, BundleLeaf, BundleManifest } from './layout.ts'

const utf8 = new TextEncoder()
const DIGEST = /^[0-9a-f]{64}$/

function sha256Hex (data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

async function readOptional (path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch {
    return undefined
  }
}

interface LeafFacts {
  /** digest → envelopeSha256 of its latest message leaf. */
  messages: Map<string, string>
  /** digest!by → envelopeSha256 of its latest receipt leaf. */
  receipts: Map<string, string>
  purged: Set<string>
}

export interface BundleVerifyOptions {
  /** Verification threads (default: all cores). */
  workers?: number
  /** Require this peer ID to be the node's (current) key: the signer of the latest checkpoint. */
  expectNode?: string
  /** Also check every witness cosignature on the checkpoints. */
  thorough?: boolean
  /** Verify signatures with libsodium where it loads (the default), or node:crypto alone (false). */
  libsodium?: boolean
}

export async function verifyBundle (dir: string, options: BundleVerifyOptions = {}): Promise<VerifyReport> {
  const started = performance.now()
  const report = emptyReport(dir)
  const libsodium = options.libsodium ?? true
  report.verifier = fastVerifierName(libsodium)
  const failures = new Failures()
  const pool = new WorkerPool(options.workers ?? availableParallelism(), { libsodium })
  report.timing.workers = pool.size
  try {
    await check(dir, report, failures, pool, options)
  } catch (err) {
    failures.add('bundle', dir, `cannot be read: ${(err as Error).message}`)
  } finally {
    report.timing.cpuMs.workers = pool.cpuMs
    await pool.close()
  }
  report.failures = failures.list
  report.failureCount = failures.count
  report.ok = failures.count === 0
  report.timing.ms = performance.now() - started
  report.timing.envelopesPerSecond = report.envelopes / (report.timing.ms / 1000)
  return report
}

async function check (dir: string, report: VerifyReport, failures: Failures, pool: WorkerPool, options: BundleVerifyOptions): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BundleManifest
  if (manifest.format !== BUNDLE_FORMAT) {
    failures.add('bundle', 'manifest.json', `format is ${String(manifest.format)}, not ${BUNDLE_FORMAT}`)
    return
  }
  report.node = manifest.node
  report.nodeKeys = manifest.nodeKeys

  // Files against the manifest.
  const listed = new Set(Object.keys(manifest.files))
  for (const [path, digest] of Object.entries(manifest.files)) {
    const data = await readOptional(join(dir, path))
    if (data === undefined) failures.add('bundle', path, 'is listed in manifest.json but missing')
    else if (sha256Hex(data) !== digest) failures.add('bundle', path, 'differs from the SHA-256 manifest.json lists')
    report.files.checked++
    report.files.bytes += data?.length ?? 0
  }
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = relative(dir, join(entry.parentPath, entry.name))
    if (entry.isFile() && path !== 'manifest.json' && !listed.has(path)) report.notes.push(`${path} is not listed in manifest.json (not checked)`)
  }

  // Keys.
  const keys = new Map<string, VerifyKey>()
  for (const name of await readdir(join(dir, 'keys')).catch(() => [] as string[])) {
    const peerId = name.replace(/\.pem$/, '')
    try {
      const raw = publicKeyFromSpkiPem(await readFile(join(dir, 'keys', name), 'utf8'))
      if (peerIdFromPublicKey(raw) !== peerId) failures.add('bundle', `keys/${name}`, 'holds a key whose peer ID is not its file name')
      else keys.set(peerId, verifyKeyFromPeerId(peerId))
    } catch (err) {
      failures.add('bundle', `keys/${name}`, `is not an Ed25519 SPKI public key: ${(err as Error).message}`)
    }
  }
  for (const k of manifest.nodeKeys) if (!keys.has(k)) failures.add('bundle', `keys/${k}.pem`, 'the node key is missing')

  const checkpoints = await checkCheckpoints(dir, manifest, failures)
  const latest = checkpoints.at(-1)
  // Whose record this is: the key that signed the latest checkpoint, not what the manifest says.
  const node = latest?.signer ?? manifest.node
  report.node = node
  if (latest !== undefined && latest.signer !== manifest.node) failures.add('bundle', 'manifest.json', `names node ${String(manifest.node)}, but the latest checkpoint is signed by ${latest.signer}`)
  if (options.expectNode != null && node !== options.expectNode) {
    failures.add('node', 'manifest.json', `the node key is ${node}, not the expected ${options.expectNode}`, 'NODE_MISMATCH')
  }
  if (options.thorough === true) {
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
  if (latest === undefined || latest.checkpoint.size !== manifest.checkpoint.size || Buffer.from(latest.checkpoint.root).toString('base64') !== manifest.checkpoint.root) {
    failures.add('checkpoint', 'manifest.json', 'the checkpoint it names is not the latest verified checkpoint of the bundle')
    return
  }
  const facts = await checkEntries(dir, manifest, checkpoints, report, failures)
  await checkMessages(dir, keys, facts, report, failures, pool)
}

async function checkCheckpoints (dir: string, manifest: BundleManifest, failures: Failures): Promise<NodeCheckpoint[]> {
  const out: NodeCheckpoint[] = []
  const sizes = (await readdir(join(dir, 'checkpoints'), { withFileTypes: true })).filter(e => e.isDirectory()).map(e => Number(e.name)).sort((a, b) => a - b)
  for (const size of sizes) {
    const at = `checkpoints/${size}`
    try {
      const note = await readFile(join(dir, at, 'note.txt'), 'utf8')
      const cp = openNodeCheckpoint(note, manifest.nodeKeys)
      if (cp.checkpoint.size !== size) throw new Error(`signs size ${cp.checkpoint.size}`)
      const body = note.slice(0, note.lastIndexOf('\n\n') + 1)
      parseCheckpoint(body)
      const same = async (file: string, expected: Uint8Array): Promise<void> => {
        const data = await readOptional(join(dir, at, file))
        if (data === undefined || !equalBytes(data, expected)) failures.add('checkpoint', `${at}/${file}`, 'does not match note.txt')
      }
      await same('body.txt', utf8.encode(body))
      await same('cosigned.bin', cosignedMessage(body, cp.time))
      out.push(cp)
    } catch (err) {
      failures.add('checkpoint', at, `does not verify: ${(err as Error).message}`)
    }
  }
  const consistency = JSON.parse(await readFile(join(dir, 'checkpoints', 'consistency.json'), 'utf8')) as BundleConsistency[]
  const roots = new Map(out.map(c => [c.checkpoint.size, c]))
  for (let i = 1; i < out.length; i++) {
    const a = out[i - 1].checkpoint.size
    const b = out[i].checkpoint.size
    const proof = consistency.find(c => c.from === a && c.to === b)
    const ra = roots.get(a)
    const rb = roots.get(b)
    if (proof === undefined || ra === undefined || rb === undefined ||
        !verifyConsistency(a, b, proof.proof.map(h => Buffer.from(h, 'hex')), ra.checkpoint.root, rb.checkpoint.root)) {
      failures.add('checkpoint', `checkpoints ${a} → ${b}`, 'are not shown consistent')
    }
    if (out[i].time < out[i - 1].time) failures.add('checkpoint', `checkpoint ${b}`, 'is dated before the checkpoint preceding it')
  }
  return out
}

async function checkEntries (dir: string, manifest: BundleManifest, checkpoints: NodeCheckpoint[], report: VerifyReport, failures: Failures): Promise<LeafFacts> {
  const facts: LeafFacts = { messages: new Map(), receipts: new Map(), purged: new Set() }
  const text = await readFile(join(dir, 'audit', 'entries.jsonl'), 'utf8')
  const lines = text === '' ? [] : text.slice(0, -1).split('\n')
  const leaves = JSON.parse(await readFile(join(dir, 'audit', 'leaves.json'), 'utf8')) as BundleLeaf[]
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
  for (let n = 0; n < Math.min(lines.length, leaves.length); n++) {
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
      if (entry.type === 'purge') for (const d of entry.digests) facts.purged.add(d)
    } catch (err) {
      failures.add('entry', where, (err as Error).message)
    }
  }
  if (manifest.full && built !== size && !(built === 0 && equalBytes(root, emptyRoot()))) {
    failures.add('checkpoint', `checkpoint ${size}`, `signs ${size} entries; the full export holds ${built}`)
  }
  report.entries = lines.length
  report.tree = { size, root: Buffer.from(root).toString('base64') }
  return facts
}

/** An envelope of the bundle waiting for its signature check in the workers. */
interface PendingEnvelope {
  base: string
  bytes: Uint8Array
  where: string
  kind: 'message' | 'receipt'
  /** What to compare once it verified: the leaf key and map. */
  leaf: string | undefined
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const CHUNK_BYTES = 512 * 1024

async function checkMessages (dir: string, keys: Map<string, VerifyKey>, facts: LeafFacts, report: VerifyReport, failures: Failures, pool: WorkerPool): Promise<void> {
  const digests = (await readdir(join(dir, 'messages')).catch(() => [] as string[])).filter(d => DIGEST.test(d))
  const present = new Set(digests)
  const checks: Array<Promise<void>> = []
  let writer = new ChunkWriter(CHUNK_BYTES)
  let batch: PendingEnvelope[] = []
  const flush = (): void => {
    if (writer.count === 0) return
    const items = batch
    checks.push(pool.checkEnvelopes(writer.finish(), writer.count).then(async result => {
      const status = new Uint8Array(result.status)
      const problems = new Map(result.problems)
      for (let i = 0; i < items.length; i++) {
        const item = items[i]
        if (status[i] !== 0) failures.add(item.kind, item.where, problems.get(i) ?? 'does not verify')
        else await settle(item)
      }
    }))
    writer = new ChunkWriter(CHUNK_BYTES)
    batch = []
  }
  const settle = async (item: PendingEnvelope): Promise<void> => {
    await checkEnvelopeFiles(item.base, item.bytes, item.where, item.kind, failures)
    if (item.kind === 'message') report.messages.verified++
    else report.receipts.verified++
    if (item.leaf === undefined) failures.add(item.kind, item.where, 'no entry in the bundle records it')
    else if (item.leaf !== sha256Hex(item.bytes)) failures.add(item.kind, item.where, 'envelope.json differs from the bytes its entry records')
  }
  const queue = (item: PendingEnvelope, kind: number, payloadCode: number, signer: string, digest: string, prefix: string): void => {
    report.envelopes++
    if (!keys.has(signer)) {
      failures.add(item.kind, item.where, `the bundle holds no key for its signer ${signer}`)
      return
    }
    let text: string
    try {
      text = strictUtf8.decode(item.bytes)
    } catch {
      failures.add(item.kind, item.where, 'envelope.json is not UTF-8')
      return
    }
    const digestBytes = Buffer.from(digest, 'hex')
    if (!writer.add(kind, payloadCode, pool.peer(signer), digestBytes, prefix, text)) {
      flush()
      writer = new ChunkWriter(Math.max(CHUNK_BYTES, itemSize(prefix, text)))
      writer.add(kind, payloadCode, pool.peer(signer), digestBytes, prefix, text)
    }
    batch.push(item)
  }
  for (const digest of digests) {
    const base = join(dir, 'messages', digest)
    const where = `message ${digest}`
    const meta = JSON.parse(await readFile(join(base, 'meta.json'), 'utf8')) as MessageMeta
    report.messages.stored++
    const bytes = await readOptional(join(base, 'envelope.json'))
    if (bytes === undefined) {
      if (meta.purgedAt == null) failures.add('message', where, 'its envelope is missing and it is not marked purged')
      else if (!facts.purged.has(digest)) failures.add('message', where, 'marked purged, but no purge entry in the bundle names it')
      else report.messages.purged++
    } else {
      const payloadType = meta.payloadType ?? PAYLOAD_TYPES.message
      const code = PAYLOAD_CODES.indexOf(payloadType)
      const prefix = payloadType === PAYLOAD_TYPES.message ? messagePrefix(meta) : String(meta.id)
      queue({ base, bytes, where, kind: 'message', leaf: facts.messages.get(digest) }, meta.direction === 'out' ? KIND_OUT : KIND_IN, code < 0 ? UNKNOWN_PAYLOAD : code, String(meta.from), digest, prefix)
    }
    for (const by of await readdir(join(base, 'receipts')).catch(() => [] as string[])) {
      const rbase = join(base, 'receipts', by)
      const rwhere = `receipt for ${digest} by ${by}`
      const receipt = await readOptional(join(rbase, 'envelope.json'))
      if (receipt === undefined || !isPeerId(by)) {
        failures.add('receipt', rwhere, 'envelope.json is missing')
        continue
      }
      report.receipts.stored++
      queue({ base: rbase, bytes: receipt, where: rwhere, kind: 'receipt', leaf: facts.receipts.get(`${digest}!${by}`) }, KIND_RECEIPT, 0, by, digest, '')
    }
  }
  flush()
  await Promise.all(checks)
  for (const digest of facts.messages.keys()) {
    if (!present.has(digest)) failures.add('message', `message ${digest}`, 'an entry records it, but the bundle does not contain it')
  }
}

/** pae.bin and sig-<n>.bin of an envelope that verified: the hand-check files VERIFY.md uses. */
async function checkEnvelopeFiles (base: string, bytes: Uint8Array, where: string, kind: 'message' | 'receipt', failures: Failures): Promise<void> {
  const env = decodeEnvelope(bytes)
  const paeFile = await readOptional(join(base, 'pae.bin'))
  if (paeFile === undefined || !equalBytes(paeFile, pae(env.payloadType, env.payload))) failures.add(kind, where, 'pae.bin is not the PAE of envelope.json')
  for (let n = 0; n < env.signatures.length; n++) {
    const sig = await readOptional(join(base, `sig-${n}.bin`))
    if (sig === undefined || !equalBytes(sig, env.signatures[n].sig)) failures.add(kind, where, `sig-${n}.bin is not signature ${n} of envelope.json`)
  }
}
