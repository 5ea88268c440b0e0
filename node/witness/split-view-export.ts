/**
 * The evidence of a witness alert (SPLIT_VIEW, FORK, ROLLBACK) as files an auditor checks
 * without this software: the two signed checkpoints exactly as C2SP signed notes, the origin's
 * public key as SPKI PEM, a JSON summary, and VERIFY.md with the OpenSSL commands. Layout:
 *
 *   DIR/checkpoint-1.txt   the checkpoint this node held (with its own cosignature)
 *   DIR/checkpoint-2.txt   the inconsistent one (SPLIT_VIEW: as the other witness vouched for it)
 *   DIR/origin.pub.pem     the origin's Ed25519 key (the peer ID's key)
 *   DIR/split-view.json    {"v":1,"reason","origin","peerId","detectedBy","reportedBy"?,"at","detail","checkpoints":[{file,size,root},…]}
 *   DIR/VERIFY.md          how to check both signatures with OpenSSL, and what the pair proves
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseCheckpoint, checkpointOrigin } from '../../protocol/checkpoint.ts'
import { publicKeyToSpkiPem } from '../../protocol/keys.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import { encodeBase64 } from '../../protocol/base64.ts'
import type { WitnessAlert } from './witness-store.ts'

export async function exportAlertEvidence (alert: WitnessAlert, detectedBy: string, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o755 })
  const notes = [alert.previous, alert.presented]
  const checkpoints = notes.map((note, i) => {
    const cp = parseCheckpoint(note.slice(0, note.indexOf('\n\n') + 1))
    return { file: `checkpoint-${i + 1}.txt`, size: cp.size, root: encodeBase64(cp.root) }
  })
  const summary = {
    v: 1,
    reason: alert.reason,
    origin: checkpointOrigin(alert.peerId),
    peerId: alert.peerId,
    detectedBy,
    ...(alert.reportedBy != null ? { reportedBy: alert.reportedBy } : {}),
    at: new Date(alert.at).toISOString(),
    detail: alert.detail,
    checkpoints
  }
  const files: Array<[string, string]> = [
    ['checkpoint-1.txt', alert.previous],
    ['checkpoint-2.txt', alert.presented],
    ['origin.pub.pem', publicKeyToSpkiPem(publicKeyFromPeerId(alert.peerId))],
    ['split-view.json', JSON.stringify(summary, null, 2) + '\n'],
    ['VERIFY.md', guide(alert, checkpoints)]
  ]
  for (const [name, text] of files) await writeFile(join(dir, name), text, { mode: 0o644 })
  return files.map(([name]) => name)
}

function guide (alert: WitnessAlert, cps: Array<{ size: number, root: string }>): string {
  const origin = checkpointOrigin(alert.peerId)
  const same = cps[0].size === cps[1].size
  return `# Evidence: ${alert.reason} by ${origin}

Two checkpoints (C2SP signed notes, https://c2sp.org/signed-note and https://c2sp.org/tlog-checkpoint)
of the audit log of \`${alert.peerId}\`, both signed with its key (\`origin.pub.pem\`):

| file | tree size | root hash |
|------|-----------|-----------|
| checkpoint-1.txt | ${cps[0].size} | ${cps[0].root} |
| checkpoint-2.txt | ${cps[1].size} | ${cps[1].root} |

${
    same
      ? 'Both are for the same tree size with different roots: one log cannot have two. The two signatures alone prove the split.'
      : 'The sizes differ. An honest log can prove that the smaller tree is a prefix of the larger (an RFC 9162 consistency proof); the origin was asked for ' +
        'one and ' +
        alert.detail.replace(/^no valid consistency proof[^(]*\(the origin ([^)]*)\).*$/, '$1') +
        '. Ask the origin for that proof: none can verify against both roots if the histories diverged.'
  }

Each note is the signed text (up to the blank line), then signature lines \`— <name> <base64>\`.
The origin's Ed25519 signature is the line named \`${origin}\` whose base64 decodes to 68 bytes
(4-byte key hash, then the 64-byte signature over the signed text). Other lines are
cosignatures (tlog-cosignature, 76 bytes) of the node itself and of the witnesses.

With OpenSSL 3 and coreutils (bash), in this directory:

<!-- verify-split-view -->
\`\`\`sh
for f in checkpoint-1.txt checkpoint-2.txt; do
  sed -n '/^$/q;p' "$f" > body.txt
  for sig in $(grep "^— ${origin} " "$f" | cut -d' ' -f3); do
    printf '%s' "$sig" | base64 -d > line.bin
    if [ "$(wc -c < line.bin)" -eq 68 ]; then tail -c 64 line.bin > sig.bin; fi
  done
  openssl pkeyutl -verify -pubin -inkey origin.pub.pem -rawin -in body.txt -sigfile sig.bin || exit 1
  sed -n '2,3p' body.txt
done
\`\`\`

It prints \`Signature Verified Successfully\` for each file, followed by its size and root.
`
}
