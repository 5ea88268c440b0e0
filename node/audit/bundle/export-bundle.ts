/**
 * `liaison audit export`: write a self-contained audit bundle (layout.ts) from a stopped node's
 * data directory (or a copy). Without filters the bundle holds the whole log and every stored
 * message; with `since` (messages this node stored at or after that time) or `peer` (messages
 * from or to that peer) it holds the selected messages and only the entries about them, each
 * with its inclusion proof against the latest checkpoint — so it proves what it shows without
 * disclosing the rest of the log.
 *
 * @module
 */
import { isReceiptEvidence } from '../../../protocol/receipt-evidence.ts'
import { evidenceFiles } from '../evidence-files.ts'
import { createHash } from 'node:crypto'
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { decodeEnvelope, pae } from '../../../protocol/envelope.ts'
import { cosignatureKeyId, cosignedMessage } from '../../../protocol/cosignature.ts'
import { leafHash } from '../../../protocol/merkle.ts'
import { consistencyProof, inclusionProof } from '../../../protocol/merkle-tree.ts'
import { noteKeyHash, parseSignatureLine } from '../../../protocol/checkpoint.ts'
import { publicKeyToSpkiPem } from '../../../protocol/keys.ts'
import { publicKeyFromPeerId } from '../../../protocol/peer-id.ts'
import { NodeError } from '../../errors.ts'
import type { MessageMeta } from '../../store/index.ts'
import { AuditStore } from '../audit-store.ts'
import { openNodeCheckpoint } from '../checkpoints.ts'
import type { NodeCheckpoint } from '../checkpoints.ts'
import { decodeEntry, entryDigests } from '../entry.ts'
import type { AuditEntry } from '../entry.ts'
import { openStoreSnapshot } from '../snapshot.ts'
import { BUNDLE_FORMAT } from './layout.ts'
import type { BundleConsistency, BundleLeaf, BundleManifest } from './layout.ts'
import { verifyGuide } from './verify-guide.ts'

export interface ExportOptions {
  /** Output directory (created; must not exist or be empty). */
  out: string
  /** Only messages stored at or after this time (epoch ms). */
  since?: number
  /** Only messages from or to this peer. */
  peer?: string
  /**
   * A running node's export (exportLiveBundle): only the first `upTo` entries (the size of the
   * checkpoint just signed), the checkpoints up to it, and only the messages and receipts those
   * entries record, so that what arrives while the export runs is left for the next one.
   */
  upTo?: number
}

export interface ExportSummary {
  out: string
  manifest: BundleManifest
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Fields of an entry that name peers (for the peer filter). */
function entryPeers (e: AuditEntry): string[] {
  const o = e as unknown as Record<string, unknown>
  const out: string[] = []
  for (const name of ['from', 'by', 'peerId', 'requester', 'originator', 'oldPeerId', 'newPeerId']) {
    if (typeof o[name] === 'string') out.push(o[name])
  }
  if (Array.isArray(o.to)) out.push(...(o.to as string[]))
  return out
}

export async function exportBundle (dataDir: string, options: ExportOptions): Promise<ExportSummary> {
  try {
    const existing = await readdir(options.out)
    if (existing.length > 0) throw new NodeError('BAD_ARGUMENT', `${options.out} exists and is not empty`)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const snap = await openStoreSnapshot(dataDir)
  try {
    return await write(snap.db, options)
  } finally {
    await snap.close()
  }
}

/**
 * Export from a running node's open store: `upTo` is the size of a checkpoint the caller has
 * just signed (AuditLog.checkpoint); entries, messages and receipts recorded after it are left
 * out. The caller makes sure `out` is new.
 */
export async function exportLiveBundle (
  db: Awaited<ReturnType<typeof openStoreSnapshot>>['db'],
  options: ExportOptions & { upTo: number }
): Promise<ExportSummary> {
  return await write(db, options)
}

async function write (db: Awaited<ReturnType<typeof openStoreSnapshot>>['db'], options: ExportOptions): Promise<ExportSummary> {
  const audit = new AuditStore(db)
  const msg = db.sublevel<string, MessageMeta>('msg', { valueEncoding: 'json' })
  const env = db.sublevel<string, Uint8Array>('env', { valueEncoding: 'view' })
  const rcpt = db.sublevel<string, Uint8Array>('rcpt', { valueEncoding: 'view' })
  const nodeKeys = (await audit.nodeKeys()).map(k => k.peerId)
  const checkpoints: NodeCheckpoint[] = []
  for await (const note of audit.cp.values()) {
    const cp = openNodeCheckpoint(note, nodeKeys)
    if (options.upTo == null || cp.checkpoint.size <= options.upTo) checkpoints.push(cp)
  }
  // A live export: what the first upTo entries record (messages, receipts); nothing later.
  let recorded: Set<string> | undefined
  if (options.upTo != null) {
    recorded = new Set()
    let i = 0
    for await (const bytes of audit.entry.values()) {
      if (i++ >= options.upTo) break
      try {
        const e = decodeEntry(bytes)
        if (e.type === 'message.sent' || e.type === 'message.received') recorded.add(e.digest)
        if (e.type === 'receipt.stored') recorded.add(`${e.for}!${e.by}`)
      } catch {}
    }
  }
  const latest = checkpoints.at(-1)
  if (latest === undefined) throw new NodeError('NOT_FOUND', 'the log has no checkpoint yet; run `liaison audit checkpoint` on the stopped node first')
  const cpSize = latest.checkpoint.size
  const filtered = options.since != null || options.peer != null
  const files: Record<string, string> = {}
  const out = options.out
  const put = async (path: string, data: string | Uint8Array): Promise<void> => {
    const full = join(out, path)
    await mkdir(dirname(full), { recursive: true })
    await writeFile(full, data)
    files[path] = createHash('sha256').update(data).digest('hex')
  }
  const signers = new Set<string>(nodeKeys)

  // Messages and their receipts.
  const selected = new Set<string>()
  let purged = 0
  let receipts = 0
  for await (const [digest, meta] of msg.iterator()) {
    if (options.since != null && meta.storedAt < options.since) continue
    if (options.peer != null && meta.from !== options.peer && !meta.to.includes(options.peer)) continue
    if (recorded != null && !recorded.has(digest)) continue
    selected.add(digest)
    const dir = `messages/${digest}`
    await put(`${dir}/meta.json`, JSON.stringify(meta, null, 2) + '\n')
    const bytes = await env.get(digest)
    if (bytes == null) {
      purged++
    } else {
      await putEnvelope(put, dir, bytes)
      signers.add(meta.from)
    }
    for await (const [key, receipt] of rcpt.iterator({ gt: digest + '!', lt: digest + '!\xff' })) {
      const by = key.slice(digest.length + 1)
      if (recorded != null && !recorded.has(`${digest}!${by}`)) continue
      await putEnvelope(put, `${dir}/receipts/${by}`, receipt)
      signers.add(by)
      receipts++
    }
  }

  // Entries: the whole log, or those about the selection.
  const nodes = audit.nodeStore()
  const lines: string[] = []
  const leaves: BundleLeaf[] = []
  let index = 0
  for await (const bytes of audit.entry.values()) {
    if (options.upTo != null && index >= options.upTo) break
    const i = index++
    let include = !filtered
    if (filtered) {
      try {
        const entry = decodeEntry(bytes)
        include = entryDigests(entry).some(d => selected.has(d)) ||
          (options.peer != null && entryPeers(entry).includes(options.peer) && (options.since == null || Date.parse(entry.at) >= options.since)) ||
          (options.peer == null && options.since != null && Date.parse(entry.at) >= options.since && entryDigests(entry).length === 0)
      } catch {
        include = false
      }
    }
    if (!include) continue
    lines.push(Buffer.from(bytes).toString('utf8'))
    leaves.push({
      line: lines.length,
      index: i,
      leafHash: hex(leafHash(bytes)),
      proof: filtered ? (i < cpSize ? (await inclusionProof(nodes, i, cpSize)).map(hex) : null) : null
    })
  }
  await put('audit/entries.jsonl', lines.map(l => l + '\n').join(''))
  await put('audit/leaves.json', JSON.stringify(leaves, null, 1) + '\n')

  // Checkpoints, with everything OpenSSL needs, and consistency proofs between them.
  const consistency: BundleConsistency[] = []
  for (let c = 0; c < checkpoints.length; c++) {
    const cp = checkpoints[c]
    await putCheckpoint(put, cp)
    if (c > 0) {
      const from = checkpoints[c - 1].checkpoint.size
      consistency.push({ from, to: cp.checkpoint.size, proof: (await consistencyProof(nodes, from, cp.checkpoint.size)).map(hex) })
    }
  }
  await put('checkpoints/consistency.json', JSON.stringify(consistency, null, 1) + '\n')

  for (const peerId of signers) await put(`keys/${peerId}.pem`, publicKeyToSpkiPem(publicKeyFromPeerId(peerId)))
  await put('VERIFY.md', verifyGuide())

  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    createdAt: new Date().toISOString(),
    node: nodeKeys.at(-1) as string,
    nodeKeys,
    filters: { since: options.since != null ? new Date(options.since).toISOString() : null, peer: options.peer ?? null },
    full: !filtered,
    checkpoint: { size: cpSize, root: Buffer.from(latest.checkpoint.root).toString('base64'), time: latest.time },
    counts: { messages: selected.size, purged, receipts, entries: lines.length, checkpoints: checkpoints.length, keys: signers.size },
    files
  }
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  return { out, manifest }
}

type Put = (path: string, data: string | Uint8Array) => Promise<void>

/** envelope.json exactly as stored, plus pae.bin and sig-<n>.bin when it decodes. */
async function putEnvelope (put: Put, dir: string, bytes: Uint8Array): Promise<void> {
  await put(`${dir}/envelope.json`, bytes)
  if (isReceiptEvidence(bytes)) {
    // An exchange v2 receipt: the evidence and its hand-check files (PROTOCOL.md §22.4).
    for (const [name, content] of Object.entries(evidenceFiles(bytes))) await put(`${dir}/${name}`, content)
    return
  }
  let decoded
  try {
    decoded = decodeEnvelope(bytes)
  } catch {
    return
  }
  await put(`${dir}/pae.bin`, pae(decoded.payloadType, decoded.payload))
  for (let n = 0; n < decoded.signatures.length; n++) await put(`${dir}/sig-${n}.bin`, decoded.signatures[n].sig)
}

async function putCheckpoint (put: Put, cp: NodeCheckpoint): Promise<void> {
  const dir = `checkpoints/${cp.checkpoint.size}`
  const body = cp.note.slice(0, cp.note.lastIndexOf('\n\n') + 1)
  await put(`${dir}/note.txt`, cp.note)
  await put(`${dir}/body.txt`, body)
  const publicKey = publicKeyFromPeerId(cp.signer)
  const origin = cp.checkpoint.origin
  const sigId = noteKeyHash(origin, publicKey)
  const cosigId = cosignatureKeyId(origin, publicKey)
  for (const line of cp.note.slice(body.length + 1).split('\n')) {
    const parsed = line === '' ? undefined : parseSignatureLine(line)
    if (parsed === undefined || parsed.name !== origin) continue
    if (parsed.keyId === sigId) await put(`${dir}/signature.bin`, parsed.signature)
    if (parsed.keyId === cosigId) {
      await put(`${dir}/cosignature.bin`, parsed.signature.subarray(8))
      await put(`${dir}/cosigned.bin`, cosignedMessage(body, cp.time))
      await put(`${dir}/time.txt`, `${cp.time}\n`)
    }
  }
}

/** Total size of a bundle directory (for the CLI summary). */
export async function bundleBytes (dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  }
  return total
}
