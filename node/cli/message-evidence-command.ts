/**
 * `liaison message evidence ID|DIGEST --out DIR [--peer ID]`: export, for a message this node
 * sent, the receipt evidence each recipient's batch receipt gave (PROTOCOL.md §21.4) — the
 * recipient's signed checkpoint, the leaf entry bytes, the inclusion proof and the recipient's
 * public key — one directory per recipient, `DIR/<recipient peer ID>/`, checkable by anyone with
 * OpenSSL and sha256sum by the recipe of PROTOCOL.md §21.5. Works on a running node (through its
 * API) or a stopped one.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { NodeError } from '../errors.ts'
import { isReceiptEvidence } from '../../protocol/receipt-evidence.ts'
import { isPeerId } from '../../protocol/peer-id.ts'
import { evidenceFiles } from '../audit/evidence-files.ts'
import { resolveDataDir } from '../data-dir.ts'
import { openService } from './context.ts'
import { flag, flagsOf, type CommandSpec } from './spec.ts'

export const MESSAGE_EVIDENCE: CommandSpec = {
  name: 'message evidence',
  group: 'messages',
  summary: 'export the receipt evidence of a sent message, checkable with OpenSSL and sha256sum',
  args: 'ID|DIGEST',
  flags: {
    out: flag.string('directory to write (one subdirectory per recipient)', { placeholder: 'DIR', required: true }),
    peer: flag.string('only the evidence from this recipient', { placeholder: 'ID' })
  },
  examples: ['liaison message evidence 019bc0fd-89c0-7c4d-9e21-5a7703b8e16f --out evidence/'],
  run: messageEvidenceCommand
}

export async function messageEvidenceCommand (argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>
  let positionals: string[]
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: flagsOf(MESSAGE_EVIDENCE) as never, allowPositionals: true, strict: true }) as { values: Record<string, string | boolean | undefined>, positionals: string[] })
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', (err as Error).message, { cause: err })
  }
  const ref = positionals[0]
  const out = values.out
  const peer = values.peer
  if (ref == null || positionals.length !== 1) throw new NodeError('BAD_ARGUMENT', 'usage: liaison message evidence ID|DIGEST --out DIR [--peer ID]')
  if (typeof out !== 'string' || out === '') throw new NodeError('BAD_ARGUMENT', '--out is required')
  if (peer !== undefined && (typeof peer !== 'string' || !isPeerId(peer))) throw new NodeError('BAD_PEER_ID', `--peer ${String(peer)} is not a peer ID`)
  const handle = await openService(resolveDataDir(values['data-dir'] as string | undefined))
  try {
    const view = await handle.service.message(ref)
    if (view.meta.direction !== 'out') throw new NodeError('NOT_FOUND', `${ref} is a message this node received; evidence is what its recipients gave this node`)
    const receipts = view.receipts
      .filter(r => peer === undefined || r.by === peer)
      .map(r => ({ by: r.by, bytes: new Uint8Array(Buffer.from(r.envelope, 'base64')) }))
      .filter(r => isReceiptEvidence(r.bytes))
    if (receipts.length === 0) throw new NodeError('NOT_FOUND', `no receipt evidence for ${ref}${peer !== undefined ? ` from ${peer}` : ''} yet (not delivered?)`)
    const written: Array<{ by: string, dir: string }> = []
    for (const r of receipts) {
      const dir = join(out, r.by)
      await mkdir(dir, { recursive: true })
      for (const [name, content] of Object.entries(evidenceFiles(r.bytes))) await writeFile(join(dir, name), content)
      written.push({ by: r.by, dir })
    }
    if (values.json === true) process.stdout.write(JSON.stringify({ digest: view.meta.digest, evidence: written }, null, 2) + '\n')
    else for (const w of written) process.stdout.write(`${w.by}  ${w.dir}\n`)
    return 0
  } finally {
    await handle.close()
  }
}
