/**
 * The structured result of `audit verify` (data directory or bundle) and the failure list it
 * accumulates. Every failure names the check, where (a file, an entry index, a digest…) and what
 * is wrong; the list keeps the first MAX_LISTED, the count is exact.
 *
 * @module
 */

/** Which check failed. */
export type FailureCheck = 'storage' | 'entry' | 'tree' | 'checkpoint' | 'message' | 'receipt' | 'index' | 'bundle' | 'node'

export interface VerifyFailure {
  check: FailureCheck
  where: string
  detail: string
  /** A stable code (node/errors.ts) for failures a script must tell apart: NODE_MISMATCH. */
  code?: 'NODE_MISMATCH'
}

export interface VerifyProgress {
  phase: 'files' | 'entries' | 'envelopes' | 'tree'
  done: number
  /** Best current estimate; may grow while the phase runs. */
  total: number
}

export interface VerifyReport {
  ok: boolean
  /** The data directory or bundle verified. */
  source: string
  /** The node's current key (peer ID) and every key that signed its checkpoints. */
  node: string | null
  nodeKeys: string[]
  tree: { size: number, root: string | null }
  checkpoints: { count: number, latest: { size: number, time: number } | null, uncheckpointed: number }
  entries: number
  messages: { stored: number, verified: number, purged: number }
  receipts: { stored: number, verified: number }
  /** Envelopes whose signatures were checked (messages + receipts). */
  envelopes: number
  /**
   * A bundle: its files checked against manifest.json. A data directory: the store's files in
   * the snapshot it read (their checksums are `liaison store fsck`'s).
   */
  files: { checked: number, bytes: number }
  failures: VerifyFailure[]
  failureCount: number
  notes: string[]
  /** The Ed25519 verifier that checked the signatures (protocol/ed25519-fast.ts). */
  verifier: string
  timing: {
    ms: number,
    envelopesPerSecond: number,
    workers: number,
    /** CPU time: the whole process, the main thread, the workers (ms). */
    cpuMs: { total: number, main: number, workers: number }
  }
}

export const MAX_LISTED = 1000

export class Failures {
  readonly list: VerifyFailure[] = []
  count = 0

  add (check: FailureCheck, where: string, detail: string, code?: VerifyFailure['code']): void {
    this.count++
    if (this.list.length < MAX_LISTED) this.list.push(code === undefined ? { check, where, detail } : { check, where, detail, code })
  }
}

export function emptyReport (source: string): VerifyReport {
  return {
    ok: false,
    source,
    node: null,
    nodeKeys: [],
    tree: { size: 0, root: null },
    checkpoints: { count: 0, latest: null, uncheckpointed: 0 },
    entries: 0,
    messages: { stored: 0, verified: 0, purged: 0 },
    receipts: { stored: 0, verified: 0 },
    envelopes: 0,
    files: { checked: 0, bytes: 0 },
    failures: [],
    failureCount: 0,
    notes: [],
    verifier: '',
    timing: { ms: 0, envelopesPerSecond: 0, workers: 0, cpuMs: { total: 0, main: 0, workers: 0 } }
  }
}

/** A human-readable report (what the CLI prints without --json). */
export function formatReport (report: VerifyReport): string {
  const lines = [
    `${report.ok ? 'OK' : 'FAILED'}: ${report.source}`,
    `  node        ${report.node ?? '(unknown)'}${report.nodeKeys.length > 1 ? ` (earlier keys: ${report.nodeKeys.slice(0, -1).join(', ')})` : ''}`,
    `  log         ${report.tree.size} entries, root ${report.tree.root ?? '-'}`,
    `  checkpoints ${report.checkpoints.count}${
      report.checkpoints.latest != null
        ? `, latest size ${report.checkpoints.latest.size} at ${new Date(report.checkpoints.latest.time * 1000).toISOString()}`
        : ''
    }${report.checkpoints.uncheckpointed > 0 ? `, ${report.checkpoints.uncheckpointed} newer entries not yet checkpointed` : ''}`,
    `  messages    ${report.messages.stored} stored, ${report.messages.verified} verified, ${report.messages.purged} purged`,
    `  receipts    ${report.receipts.stored} stored, ${report.receipts.verified} verified`,
    `  files       ${report.files.checked} checked (${report.files.bytes} bytes)`,
    ...(report.verifier === '' ? [] : [`  signatures  ${report.verifier}`]),
    `  time        ${(report.timing.ms / 1000).toFixed(2)} s, ${Math.round(report.timing.envelopesPerSecond)} envelopes/s` +
    (report.timing.workers > 0 ? ` on ${report.timing.workers} workers (CPU ${(report.timing.cpuMs.total / 1000).toFixed(2)} s)` : '')
  ]
  for (const note of report.notes) lines.push(`  note: ${note}`)
  if (report.failureCount > 0) {
    lines.push(
      `  ${report.failureCount} failure${report.failureCount === 1 ? '' : 's'}${
        report.failureCount > report.failures.length ? ` (first ${report.failures.length} listed)` : ''
      }:`
    )
    for (const f of report.failures) lines.push(`    [${f.check}] ${f.where}: ${f.detail}`)
  }
  return lines.join('\n') + '\n'
}
