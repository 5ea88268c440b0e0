/**
 * The web console on the local API listener: its static files at `/` (built by
 * scripts/build-web.ts into dist/web/console, served without the token so the login page can
 * load; every API call the console makes carries the token like any client's), and the audit
 * view behind the routes the console needs that the API did not have (api/routes/audit.ts):
 *
 *   GET  /v1/audit          tree size, root, every checkpoint, witnessed peers and alerts
 *   GET  /v1/audit/prove/D  where message digest D is in the log (`liaison audit prove`)
 *   POST /v1/audit/export   sign a checkpoint now, export a full bundle of everything up to it
 *                           into DIR/exports/bundle-<time>/ (the same layout as `audit export`),
 *                           or with ?archive=true as one zip, DIR/exports/bundle-<time>.zip
 *
 * Static files carry a strict Content-Security-Policy: scripts, styles and requests to this
 * origin only, no frames, no forms elsewhere, no third-party anything.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { AuditLog } from '../audit/audit-log.ts'
import { openNodeCheckpoint } from '../audit/checkpoints.ts'
import { NodeError } from '../errors.ts'
import type { LiaisonService } from '../service/index.ts'
import type { Store } from '../store/index.ts'

export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json'
}

/** dist/web/console, from the sources (node/api) or the compiled node (dist/node/api). */
export function consoleDir (): string {
  const fromSources = new URL('../../dist/web/console', import.meta.url).pathname
  const fromDist = new URL('../../web/console', import.meta.url).pathname
  // A built console has csp.json; web/console (the sources, beside node/) does not.
  return existsSync(join(fromDist, 'csp.json')) ? fromDist : fromSources
}

interface Open {
  status: number
  headers: Record<string, string>
  body: string | Uint8Array
}

/** The open route for ApiServer: GET of the console's files. */
export function consoleFiles (dir = consoleDir()): (req: IncomingMessage, url: URL) => Promise<Open | undefined> {
  let csp: Record<string, string> | undefined
  return async (req, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1)
    if (!/^[a-z][a-z0-9-]*\.(html|js|css)$/.test(name)) return undefined
    const headers: Record<string, string> = {
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin'
    }
    csp ??= await readFile(join(dir, 'csp.json'), 'utf8').then(t => JSON.parse(t) as Record<string, string>).catch(() => ({}))
    let body: Buffer
    try {
      body = await readFile(join(dir, name))
    } catch {
      if (name !== 'index.html') return undefined
      return { status: 503, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: 'The console is not built: run npm run build.\n' }
    }
    headers['content-type'] = TYPES[name.split('.').pop() as string]
    headers['content-security-policy'] = csp[name] ?? CONSOLE_CSP
    return { status: 200, headers, body }
  }
}

export interface AuditViewComponents {
  audit: AuditLog
  store: Store
  service: LiaisonService
  /** Where exports go (DIR/exports). */
  exportsDir: string
}

/**
 * What the console's audit page needs beyond the witness routes, for the route table
 * (api/routes/audit.ts: GET /v1/audit, GET /v1/audit/prove/{digest}, POST /v1/audit/export).
 */
export class AuditView {
  private readonly components: AuditViewComponents

  constructor (components: AuditViewComponents) {
    this.components = components
  }

  /** Tree size, root, every checkpoint, witnessed peers and alerts. */
  async overview (): Promise<Record<string, unknown>> {
    const keys = this.components.audit.nodeKeys()
    const checkpoints: Array<{ size: number, time: number, root: string, signer: string, cosignatures: number }> = []
    for await (const note of this.components.audit.audit.cp.values()) {
      const cp = openNodeCheckpoint(note, keys)
      checkpoints.push({
        size: cp.checkpoint.size,
        time: cp.time,
        root: Buffer.from(cp.checkpoint.root).toString('base64'),
        signer: cp.signer,
        cosignatures: Math.max(0, note.split('\n— ').length - 3)
      })
    }
    const witnesses = await this.components.service.witnesses()
    return { size: this.components.audit.size, root: Buffer.from(this.components.audit.root()).toString('base64'), nodeKeys: keys, checkpoints, ...witnesses }
  }

  /** Where message `digest` is in the log (`liaison audit prove`). */
  async prove (digest: string): Promise<unknown> {
    return await this.components.audit.prove(digest)
  }

  /**
   * Sign a checkpoint now, then export a full bundle of everything up to it into
   * DIR/exports/bundle-<time>/, or with `archive` as one zip, DIR/exports/bundle-<time>.zip.
   */
  async export (options: { archive?: boolean } = {}): Promise<{ out: string, counts: unknown, checkpoint: unknown }> {
    const cp = await this.components.audit.checkpoint()
    if (cp === undefined) throw new NodeError('NOT_FOUND', 'the audit log is empty; there is nothing to export')
    await mkdir(this.components.exportsDir, { recursive: true, mode: 0o700 })
    const dir = join(this.components.exportsDir, `bundle-${new Date().toISOString().replace(/[:.]/g, '-')}`)
    // Loaded on first export: a node that never exports never loads the bundle code.
    const { exportLiveBundle } = await import('../audit/bundle/export-bundle.ts')
    const { manifest } = await exportLiveBundle(this.components.store.db as never, { out: dir, upTo: cp.checkpoint.size })
    let out = dir
    if (options.archive === true) {
      const { zipBundle } = await import('../audit/bundle/archive-write.ts')
      out = `${dir}.zip`
      try {
        await zipBundle(dir, out)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
    return { out, counts: manifest.counts, checkpoint: manifest.checkpoint }
  }
}
