/**
 * `liaison message evidence ID|DIGEST --out DIR [--peer ID]`: export, for a message this node
 * sent, the receipt evidence each recipient's batch receipt gave (PROTOCOL.md §22.4) — the
 * recipient's signed checkpoint, the leaf entry bytes, the inclusion proof and the recipient's
 * public key — one directory per recipient, `DIR/<recipient peer ID>/`, checkable by anyone with
 * OpenSSL and sha256sum by the recipe of PROTOCOL.md §22.5. Works on a running node (through its
 * API) or a stopped one.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NodeError } from '../errors.ts'
import { isReceiptEvidence } from '../../protocol/receipt-evidence.ts'
import { isPeerId } from '../../protocol/peer-id.ts'
import { evidenceFiles } from '../audit/evidence-files.ts'
import { openService } from './context.ts'
import { print, str } from './args.ts'
import type { Invocation } from './spec.ts'

export async function messageEvidenceCommand (p: Invocation): Promise<number> {
  const ref = p.positionals[0]
  const out = str(p, 'out', true) as string
  const peer = str(p, 'peer')
  if (peer !== undefined && !isPeerId(peer)) throw new NodeError('BAD_PEER_ID', `--peer ${peer}: expected a peer ID (12D3KooW…, see liaison peers list)`)
  const handle = await openService(p.dataDir)
  try {
    const view = await handle.service.message(ref)
    if (view.meta.direction !== 'out') {
      throw new NodeError('NOT_FOUND', `${ref} is a message this node received; evidence is what its recipients gave this node`)
    }
    const receipts = view.receipts
      .filter(r => peer === undefined || r.by === peer)
      .map(r => ({ by: r.by, bytes: new Uint8Array(Buffer.from(r.envelope, 'base64')) }))
      .filter(r => isReceiptEvidence(r.bytes))
    if (receipts.length === 0) {
      throw new NodeError('NOT_FOUND', `no receipt evidence for ${ref}${peer !== undefined ? ` from ${peer}` : ''} yet (not delivered?)`)
    }
    const written: Array<{ by: string, dir: string }> = []
    for (const r of receipts) {
      const dir = join(out, r.by)
      await mkdir(dir, { recursive: true })
      for (const [name, content] of Object.entries(evidenceFiles(r.bytes))) await writeFile(join(dir, name), content)
      written.push({ by: r.by, dir })
    }
    if (p.json) print({ digest: view.meta.digest, evidence: written })
    else for (const w of written) process.stdout.write(`${w.by}  ${w.dir}\n`)
    return 0
  } finally {
    await handle.close()
  }
}
