/**
 * `liaison audit …`: the offline auditor's toolkit. All of it works on a stopped node's data
 * directory or a copy of it, and `verify` needs no private key:
 *
 *   audit verify [--data-dir DIR | --bundle DIR] [--workers N] [--expect-node ID] [--thorough] [--openssl] [--json]
 *   audit export --out DIR [--since TIME|DURATION] [--peer ID] [--data-dir DIR]
 *   audit prove DIGEST [--data-dir DIR]
 *   audit checkpoint [--data-dir DIR]          sign a checkpoint now (uses the node key)
 *   audit witnesses [--data-dir DIR] [--json]  peers' checkpoints this node cosigned, and alerts
 *   audit split-view --out DIR [--alert SEQ] [--data-dir DIR]  a witness alert's two signed checkpoints, for an auditor
 *
 * `verify` prints progress on stderr and exits 0 only if every check passed; every flag means the
 * same on a data directory and a bundle (a node other than `--expect-node`: NODE_MISMATCH, exit 1).
 * `prove` and `checkpoint` print a summary, `--json` the whole record.
 *
 * @module
 */
import { availableParallelism } from 'node:os'
import { parseDuration, parseRfc3339Millis } from '../../protocol/time.ts'
import { isPeerId } from '../../protocol/peer-id.ts'
import { dataDirPaths, loadIdentity } from '../config/index.ts'
import { NodeError } from '../errors.ts'
import { Store } from '../store/index.ts'
import { AuditLog } from '../audit/audit-log.ts'
import { AuditStore } from '../audit/audit-store.ts'
import { exportBundle } from '../audit/bundle/export-bundle.ts'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { isArchivePath } from '../audit/bundle/archive.ts'
import { zipBundle } from '../audit/bundle/archive-write.ts'
import { verifyBundle } from '../audit/bundle/verify-bundle.ts'
import { proveDigest } from '../audit/proof.ts'
import { openStoreSnapshot } from '../audit/snapshot.ts'
import { verifyDataDir } from '../audit/verify/verify-data-dir.ts'
import { formatReport } from '../audit/verify/report.ts'
import type { VerifyProgress, VerifyReport } from '../audit/verify/report.ts'
import { print, str } from './args.ts'
import type { Invocation } from './spec.ts'
import { openService } from './context.ts'
import { exportAlertEvidence } from '../witness/index.ts'

export type AuditSubcommand = 'verify' | 'export' | 'prove' | 'checkpoint' | 'witnesses' | 'split-view'

export async function auditCommand (p: Invocation): Promise<number> {
  switch (p.sub as AuditSubcommand) {
    case 'verify':
      return await verifyCommand(p)
    case 'export':
      return await exportCommand(p)
    case 'prove':
      return await proveCommand(p)
    case 'checkpoint':
      return await checkpointCommand(p)
    case 'witnesses':
      return await witnessesCommand(p)
    case 'split-view':
      return await splitViewCommand(p)
  }
  throw new NodeError('INTERNAL', `no handler for audit ${p.sub}`)
}

/** Progress lines on stderr, at most one a second (rewritten in place on a terminal). */
function progressPrinter (): { update: (p: VerifyProgress) => void, done: () => void } {
  const phases = new Map<string, VerifyProgress>()
  const tty = process.stderr.isTTY
  let last = 0
  const line = (): string => 'verify: ' + [...phases.values()].map(p => `${p.phase} ${p.done}/${p.total}`).join(' · ')
  return {
    update (p) {
      phases.set(p.phase, p)
      const now = Date.now()
      if (now - last < 1000) return
      last = now
      process.stderr.write(tty ? `\r${line()}\u001b[K` : `${line()}\n`)
    },
    done () {
      if (tty && last > 0) process.stderr.write('\n')
    }
  }
}

async function verifyCommand (p: Invocation): Promise<number> {
  const bundle = str(p, 'bundle')
  if (bundle != null && p.values['data-dir'] != null) throw new NodeError('BAD_ARGUMENT', 'give --data-dir or --bundle, not both')
  const workers = str(p, 'workers')
  const count = workers != null ? Number(workers) : availableParallelism()
  if (!Number.isInteger(count) || count < 1) throw new NodeError('BAD_ARGUMENT', '--workers must be a positive integer')
  const expectNode = str(p, 'expect-node')
  if (expectNode != null && !isPeerId(expectNode)) throw new NodeError('BAD_ARGUMENT', `--expect-node ${expectNode} is not a peer ID`)
  const options = { workers: count, thorough: p.values.thorough === true, libsodium: p.values.openssl !== true, ...(expectNode != null ? { expectNode } : {}) }
  let report: VerifyReport
  if (bundle != null) {
    report = await verifyBundle(bundle, options)
  } else {
    const progress = progressPrinter()
    report = await verifyDataDir(p.dataDir, { ...options, onProgress: progress.update })
    progress.done()
  }
  if (p.values.json === true) print(report)
  else process.stdout.write(formatReport(report))
  const mismatch = report.failures.find(f => f.code === 'NODE_MISMATCH')
  if (mismatch !== undefined) throw new NodeError('NODE_MISMATCH', `${report.source} is not the record of the expected node: ${mismatch.detail}`)
  return report.ok ? 0 : 1
}

/** An RFC 3339 time (`2026-03-01T00:00:00.000Z`, or any ISO 8601 date Date.parse reads) or a duration back from now (`30d`). */
function parseSince (text: string): number {
  if (/^\d+(ms|s|m|h|d)$/.test(text)) return Date.now() - parseDuration(text)
  try {
    return parseRfc3339Millis(text)
  } catch {}
  const ms = Date.parse(text)
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new NodeError('BAD_ARGUMENT', `--since ${text} is neither an ISO 8601 time nor a duration like 30d`)
  }
  return ms
}

async function exportCommand (p: Invocation): Promise<number> {
  const out = str(p, 'out', true) as string
  const since = str(p, 'since')
  const peer = str(p, 'peer')
  if (peer != null && !isPeerId(peer)) throw new NodeError('BAD_ARGUMENT', `--peer ${peer} is not a peer ID`)
  // --out FILE.zip: the bundle folder is written beside it, zipped (archive-write.ts), removed.
  const zip = isArchivePath(out)
  if (zip && existsSync(out)) throw new NodeError('BAD_ARGUMENT', `--out ${out}: the file exists; an archive is never overwritten`)
  const dir = zip ? `${out}.d` : out
  const { manifest } = await exportBundle(p.dataDir, { out: dir, ...(since != null ? { since: parseSince(since) } : {}), ...(peer != null ? { peer } : {}) })
  if (zip) {
    try {
      await zipBundle(dir, out)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  if (p.values.json === true) {
    print({ out, ...manifest, files: Object.keys(manifest.files).length })
  } else {
    const c = manifest.counts
    process.stdout.write(
      `Exported to ${out}: ${c.messages} messages (${c.purged} purged), ${c.receipts} receipts, ${c.entries} audit entries, ${c.checkpoints} checkpoints, ` +
        `${c.keys} keys.\n` +
        `Check it with: liaison audit verify --bundle ${out}   (or by hand: ${zip ? 'unzip it, then ' : ''}${zip ? 'VERIFY.md inside' : `${out}/VERIFY.md`})\n`
    )
  }
  return 0
}

async function proveCommand (p: Invocation): Promise<number> {
  const digest = p.positionals[0]
  if (!/^[0-9a-f]{64}$/.test(digest)) {
    throw new NodeError(
      'BAD_ARGUMENT',
      `liaison audit prove ${digest}: expected a message digest, 64 lowercase hex digits (from liaison inbox --json or message show)`
    )
  }
  const snap = await openStoreSnapshot(p.dataDir)
  try {
    const proof = await proveDigest(new AuditStore(snap.db), digest)
    if (proof.leaves.length === 0) throw new NodeError('NOT_FOUND', `no audit entry names ${digest}`)
    if (p.values.json === true) print(proof)
    else {
      const cp = proof.checkpoint
      process.stdout.write(
        `${digest}: ${proof.leaves.length} entries, ` + (cp == null ? 'no checkpoint yet\n' : `included in checkpoint ${cp.size} (root ${cp.root})\n`)
      )
      for (const l of proof.leaves) {
        const type = (JSON.parse(l.entry) as { type?: string }).type ?? '?'
        process.stdout.write(
          `  leaf ${l.index}  ${type}  ${l.proof === null ? 'not yet covered by a checkpoint' : `inclusion proof of ${l.proof.length} hashes`}\n`
        )
      }
      process.stdout.write('  (--json for the entries and proofs)\n')
    }
    return proof.leaves.every(l => l.proof !== null) ? 0 : 1
  } finally {
    await snap.close()
  }
}

async function checkpointCommand (p: Invocation): Promise<number> {
  const { signer } = await loadIdentity(p.dataDir)
  const store = await Store.open(dataDirPaths(p.dataDir).store)
  try {
    const audit = await AuditLog.open(store, { signer })
    const cp = await audit.checkpoint()
    if (cp === undefined) throw new NodeError('NOT_FOUND', 'the audit log is empty; there is nothing to checkpoint')
    const out = {
      origin: cp.checkpoint.origin,
      size: cp.checkpoint.size,
      root: Buffer.from(cp.checkpoint.root).toString('base64'),
      time: cp.time,
      note: cp.note
    }
    if (p.values.json === true) print(out)
    else process.stdout.write(`Checkpoint ${out.size} signed at ${new Date(out.time * 1000).toISOString()}: ${out.origin}, root ${out.root}\n`)
    return 0
  } finally {
    await store.close()
  }
}

/**
 * What this node witnessed: the latest checkpoint of each peer it cosigned (after a
 * consistency proof), and every inconsistency alert with both checkpoints as evidence.
 * Exit 1 when there is any alert, so monitoring can run it.
 */
async function witnessesCommand (p: Invocation): Promise<number> {
  const handle = await openService(p.dataDir)
  try {
    const { seen, alerts } = await handle.service.witnesses()
    if (p.values.json === true) print({ seen, alerts })
    else {
      for (const s of seen) process.stdout.write(`${s.peerId}  size ${s.size}  cosigned ${new Date(s.cosignedAt).toISOString()}\n`)
      if (seen.length === 0) process.stdout.write('no peer checkpoints witnessed yet\n')
      for (const a of alerts) {
        process.stdout.write(
          `ALERT ${a.reason}  ${a.peerId}  ${new Date(a.at).toISOString()}  ${a.detail}  (alert ${a.seq}${
            a.reportedBy != null ? `, reported by ${a.reportedBy}` : ''
          })\n`
        )
      }
    }
    return alerts.length > 0 ? 1 : 0
  } finally {
    await handle.close()
  }
}

/**
 * The evidence of one witness alert (default: the latest SPLIT_VIEW, else the latest alert) as
 * files an auditor checks with OpenSSL (node/witness/split-view-export.ts).
 */
async function splitViewCommand (p: Invocation): Promise<number> {
  const out = str(p, 'out', true) as string
  const wanted = str(p, 'alert')
  const handle = await openService(p.dataDir)
  try {
    const { alerts } = await handle.service.witnesses()
    const self = (await handle.service.health()).peerId
    const alert = wanted != null
      ? alerts.find(a => String(a.seq) === wanted)
      : alerts.filter(a => a.reason === 'SPLIT_VIEW').at(-1) ?? alerts.at(-1)
    if (alert == null) {
      throw new NodeError('NOT_FOUND', wanted != null ? `no witness alert ${wanted} (see liaison audit witnesses)` : 'this node has raised no witness alert')
    }
    const files = await exportAlertEvidence(alert, self, out)
    if (p.values.json === true) print({ alert: alert.seq, reason: alert.reason, dir: out, files })
    else process.stdout.write(`${alert.reason} evidence for ${alert.peerId} written to ${out}: ${files.join(', ')} (see VERIFY.md)\n`)
    return 0
  } finally {
    await handle.close()
  }
}
