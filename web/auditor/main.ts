/**
 * The auditor's page: pick an exported audit bundle (the folder `liaison audit export` or the
 * console wrote, or a .zip of it: `audit export --out FILE.zip`), and the page runs the same checks as `liaison audit verify --bundle` on it
 * (node/audit/bundle/check-bundle.ts, bundled for the browser): SHA-256 of every file with
 * WebCrypto, every Ed25519 signature with the project's pure-JS verifier (node:crypto's
 * verdicts), every checkpoint, the Merkle tree, consistency between checkpoints. The files are
 * read locally; the page makes no request (its Content-Security-Policy forbids any).
 *
 * @module
 */
import { checkBundle } from '../../node/audit/bundle/check-bundle.ts'
import { memorySource } from '../../node/audit/bundle/bundle-source.ts'
import { zipEntries } from '../../node/audit/bundle/archive.ts'
import type { VerifyFailure, VerifyProgress, VerifyReport } from '../../node/audit/verify/report.ts'

const VERIFIER = "pure JavaScript (@noble/ed25519 point arithmetic, node:crypto's rule: protocol/ed25519.ts nobleVerify); SHA-256 of files by WebCrypto"

async function webSha256Hex (data: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>))
  let s = ''
  for (const b of d) s += b.toString(16).padStart(2, '0')
  return s
}

function el<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  for (const c of children) e.append(c)
  return e
}

const PHASES: Record<VerifyProgress['phase'], string> = {
  files: 'Files against the manifest',
  tree: 'Checkpoints',
  entries: 'Audit entries and Merkle tree',
  envelopes: 'Message and receipt signatures'
}

/** Rows of the per-check table: which failure kinds belong to which check. */
const CHECKS: Array<{ id: string, title: string, kinds: VerifyFailure['check'][], summary: (r: VerifyReport) => string }> = [
  { id: 'files', title: 'Files and keys against manifest.json (SHA-256)', kinds: ['bundle'], summary: r => `${r.files.checked} files, ${r.files.bytes} bytes` },
  {
    id: 'checkpoints',
    title: 'Checkpoints: signatures, time cosignatures, consistency proofs',
    kinds: ['checkpoint'],
    summary: r => `${r.checkpoints.count} checkpoints${r.checkpoints.latest != null ? `, latest size ${r.checkpoints.latest.size}` : ''}`
  },
  {
    id: 'entries',
    title: 'Audit entries: leaf hashes, inclusion or rebuilt Merkle tree',
    kinds: ['entry', 'tree'],
    summary: r => `${r.entries} entries, root ${r.tree.root ?? '-'}`
  },
  {
    id: 'messages',
    title: 'Message envelopes: Ed25519 signatures, PAE, recorded bytes',
    kinds: ['message'],
    summary: r => `${r.messages.verified} of ${r.messages.stored} verified, ${r.messages.purged} purged`
  },
  {
    id: 'receipts',
    title: 'Receipts: Ed25519 signatures, recorded bytes',
    kinds: ['receipt'],
    summary: r => `${r.receipts.verified} of ${r.receipts.stored} verified`
  }
]

/** Bundle-relative path of a picked file: webkitRelativePath without the chosen folder's own name. */
function bundlePath (file: File): string {
  const rel = file.webkitRelativePath !== '' ? file.webkitRelativePath : file.name
  const parts = rel.split('/')
  return parts.length > 1 ? parts.slice(1).join('/') : rel
}

/** The picked folder's files, path → bytes. */
async function folderFiles (files: File[]): Promise<{ label: string, map: Map<string, Uint8Array> }> {
  const map = new Map<string, Uint8Array>()
  for (const f of files) map.set(bundlePath(f), new Uint8Array(await f.arrayBuffer()))
  return { label: files[0]?.webkitRelativePath.split('/')[0] ?? 'bundle', map }
}

/** The files inside a picked .zip archive (unzipped here, by fflate: node/audit/bundle/archive.ts). */
async function archiveFiles (file: File): Promise<{ label: string, map: Map<string, Uint8Array> }> {
  return { label: file.name, map: zipEntries(new Uint8Array(await file.arrayBuffer())) }
}

async function verifyPicked (read: () => Promise<{ label: string, map: Map<string, Uint8Array> }>, out: HTMLElement): Promise<void> {
  out.replaceChildren()
  const status = el('p', { id: 'status', role: 'status', 'aria-live': 'polite' }, 'Reading files…')
  const bar = el('progress', { id: 'progress', max: '1', value: '0', 'aria-label': 'Verification progress' })
  out.append(status, bar)
  const { label, map } = await read()
  let last = 0
  // Every signature, witness cosignatures included (`audit verify --bundle --thorough`): the
  // page is the auditor's whole check, and cosignatures cost one verification each.
  const report = await checkBundle(memorySource(map), label, {
    thorough: true,
    sha256Hex: webSha256Hex,
    verifier: VERIFIER,
    onProgress: (p) => {
      const now = performance.now()
      if (now - last < 50 && p.done !== p.total) return
      last = now
      status.textContent = `${PHASES[p.phase]}: ${p.done} of ${p.total}`
      bar.max = Math.max(1, p.total)
      bar.value = p.done
    }
  })
  bar.max = 1
  bar.value = 1
  status.textContent = `Done in ${(report.timing.ms / 1000).toFixed(2)} s.`
  render(report, out)
}

function render (report: VerifyReport, out: HTMLElement): void {
  const verdict = el(
    'h2',
    { id: 'verdict', 'data-ok': String(report.ok), class: report.ok ? 'ok' : 'bad' },
    report.ok
      ? `VERIFIED: every check passed (${report.source})`
      : `FAILED: ${report.failureCount} failure${report.failureCount === 1 ? '' : 's'} (${report.source})`
  )
  const facts = el(
    'dl',
    {},
    el('dt', {}, 'Node'),
    el('dd', { class: 'mono' }, report.node ?? '(unknown)'),
    el('dt', {}, 'Signatures checked by'),
    el('dd', {}, report.verifier)
  )
  const table = el(
    'table',
    { id: 'checks' },
    el('caption', {}, 'Result per check'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Check'), el('th', { scope: 'col' }, 'Result'), el('th', { scope: 'col' }, 'What was checked')))
  )
  const body = el('tbody')
  for (const c of CHECKS) {
    const n = report.failures.filter(f => c.kinds.includes(f.check)).length
    body.append(
      el(
        'tr',
        { 'data-check': c.id, 'data-ok': String(n === 0) },
        el('th', { scope: 'row' }, c.title),
        el('td', { class: n === 0 ? 'ok' : 'bad' }, n === 0 ? 'pass' : `FAIL (${n})`),
        el('td', {}, c.summary(report))
      )
    )
  }
  table.append(body)
  out.append(verdict, facts, table)
  if (report.failures.length > 0) {
    const list = el(
      'table',
      { id: 'failures' },
      el('caption', {}, `Failures${report.failureCount > report.failures.length ? ` (first ${report.failures.length} of ${report.failureCount})` : ''}`),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Check'), el('th', { scope: 'col' }, 'Where'), el('th', { scope: 'col' }, 'What is wrong')))
    )
    const tb = el('tbody')
    for (const f of report.failures) tb.append(el('tr', {}, el('td', {}, f.check), el('td', { class: 'mono where' }, f.where), el('td', {}, f.detail)))
    list.append(tb)
    out.append(list)
  }
  for (const n of report.notes) out.append(el('p', { class: 'note' }, `Note: ${n}`))
  // For scripts and tests: the whole report, as `liaison audit verify --bundle --json` prints it.
  const page = window as unknown as { liaisonReport: VerifyReport }
  page.liaisonReport = report
}

const folder = document.getElementById('bundle') as HTMLInputElement
const archive = document.getElementById('archive') as HTMLInputElement
const results = document.getElementById('results') as HTMLElement
const cannot = (err: unknown): void => {
  results.append(el('p', { id: 'verdict', 'data-ok': 'false', class: 'bad' }, `Cannot verify: ${(err as Error).message}`))
}
folder.addEventListener('change', () => {
  const files = [...(folder.files ?? [])]
  if (files.length === 0) return
  void verifyPicked(async () => await folderFiles(files), results).catch(cannot)
})
archive.addEventListener('change', () => {
  const file = archive.files?.[0]
  if (file == null) return
  void verifyPicked(async () => await archiveFiles(file), results).catch(cannot)
})
