/**
 * The files of one message's receipt evidence (PROTOCOL.md §22.4), as `liaison message
 * evidence` writes them and as an audit bundle carries them beside a v2 receipt: everything a
 * third party needs to check, with OpenSSL and sha256sum, that the receiver logged the message.
 *
 * | file | content |
 * |---|---|
 * | `evidence.json` | the receipt evidence exactly as stored (protocol/receipt-evidence.ts) |
 * | `checkpoint.note` | the receiver's C2SP signed checkpoint note |
 * | `checkpoint.body` | its signed text: origin, tree size, base64 root, each line ending in a newline |
 * | `checkpoint.sig` | the receiver's 64-byte Ed25519 signature over `checkpoint.body` |
 * | `checkpoint.cosigned`, `checkpoint.cosig` | the time cosignature's signed message and signature |
 * | `entry.json` | the audit entry, exactly the leaf's bytes (no newline) |
 * | `leaf.txt` | the leaf index, decimal, newline |
 * | `proof.txt` | the RFC 9162 inclusion proof, bottom-up, one lowercase hex hash per line |
 * | `receiver.pem` | the receiver's Ed25519 public key, SPKI PEM |
 *
 * @module
 */
import { parseSignatureLine, noteKeyHash } from '../../protocol/checkpoint.ts'
import { cosignatureKeyId, cosignatureTime, cosignedMessage } from '../../protocol/cosignature.ts'
import { publicKeyToSpkiPem } from '../../protocol/keys.ts'
import { publicKeyFromPeerId } from '../../protocol/peer-id.ts'
import { parseReceiptEvidence } from '../../protocol/receipt-evidence.ts'

export function evidenceFiles (bytes: Uint8Array): Record<string, string | Uint8Array> {
  const e = parseReceiptEvidence(bytes)
  const note = e.checkpoint
  const body = note.slice(0, note.indexOf('\n\n') + 1)
  const origin = body.slice(0, body.indexOf('\n'))
  const publicKey = publicKeyFromPeerId(e.by)
  const files: Record<string, string | Uint8Array> = {
    'evidence.json': bytes,
    'checkpoint.note': note,
    'checkpoint.body': body,
    'entry.json': e.entry,
    'leaf.txt': `${e.leaf}\n`,
    'proof.txt': e.proof.map(h => h + '\n').join(''),
    'receiver.pem': publicKeyToSpkiPem(publicKey)
  }
  for (const line of note.slice(body.length + 1).split('\n')) {
    const sig = line === '' ? undefined : parseSignatureLine(line)
    if (sig === undefined || sig.name !== origin) continue
    if (sig.keyId === noteKeyHash(origin, publicKey)) files['checkpoint.sig'] = sig.signature
    if (sig.keyId === cosignatureKeyId(origin, publicKey)) {
      const time = cosignatureTime(sig.signature)
      if (time === undefined) continue
      files['checkpoint.cosigned'] = cosignedMessage(body, time)
      files['checkpoint.cosig'] = sig.signature.subarray(8)
    }
  }
  return files
}
