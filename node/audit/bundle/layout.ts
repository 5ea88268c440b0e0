/**
 * The export bundle: a directory an auditor can check with nothing but OpenSSL 3 and a SHA-256
 * tool (VERIFY.md inside says how), or with `liaison audit verify --bundle`.
 *
 * ```
 * BUNDLE/
 *   VERIFY.md                         how to check everything by hand
 *   manifest.json                     what is inside, the filters, SHA-256 of every other file
 *   keys/<peerId>.pem                 SPKI PEM public key of every signer (node and peers)
 *   messages/<digest>/envelope.json   the envelope exactly as signed or received
 *   messages/<digest>/pae.bin         the bytes its signatures cover (DSSE PAE)
 *   messages/<digest>/sig-<n>.bin     signature n, raw 64 bytes
 *   messages/<digest>/meta.json       the node's index record (direction, sender, purgedAt…)
 *   messages/<digest>/receipts/<peerId>/{envelope.json,pae.bin,sig-<n>.bin}
 *   audit/entries.jsonl               audit entries, one per line, each line the exact entry bytes
 *   audit/leaves.json                 per line: leaf index, leaf hash, inclusion proof
 *   checkpoints/<size>/note.txt       the signed checkpoint (C2SP signed note, with cosignatures)
 *   checkpoints/<size>/body.txt       the signed body (origin, size, root)
 *   checkpoints/<size>/signature.bin  the node's Ed25519 signature over body.txt
 *   checkpoints/<size>/cosigned.bin   what the node's time cosignature signs
 *   checkpoints/<size>/cosignature.bin, time.txt
 *   checkpoints/consistency.json      RFC 9162 consistency proofs between consecutive checkpoints
 * ```
 *
 * @module
 */

export const BUNDLE_FORMAT = 'liaison-audit-bundle/1'

export interface BundleLeaf {
  /** Line number in audit/entries.jsonl, from 1. */
  line: number
  /** Leaf index in the log. */
  index: number
  /** SHA-256(0x00 ‖ entry), hex. */
  leafHash: string
  /** RFC 9162 inclusion proof against the latest checkpoint (hex, bottom-up); null in a full export. */
  proof: string[] | null
}

export interface BundleConsistency {
  from: number
  to: number
  proof: string[]
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT
  createdAt: string
  /** The node's current key and every key that signed its checkpoints. */
  node: string
  nodeKeys: string[]
  filters: { since: string | null, peer: string | null }
  /** Whether audit/entries.jsonl holds the whole log (then no inclusion proofs are needed). */
  full: boolean
  /** The checkpoint the proofs are against. */
  checkpoint: { size: number, root: string, time: number }
  counts: { messages: number, purged: number, receipts: number, entries: number, checkpoints: number, keys: number }
  /** SHA-256 (hex) of every other file, by path relative to the bundle. */
  files: Record<string, string>
}
