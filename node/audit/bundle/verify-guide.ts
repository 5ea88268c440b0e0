/**
 * VERIFY.md: how to check an export bundle with nothing but OpenSSL 3, a SHA-256 tool and a
 * POSIX shell (plus `jq`/`xxd` where convenient; every step says what it computes, so any tool
 * that computes the same will do).
 *
 * @module
 */

export function verifyGuide (): string {
  return `# Verifying this Liaison audit bundle by hand

Everything here can be checked with OpenSSL 3 and \`sha256sum\` (or \`openssl dgst -sha256\`).
\`liaison audit verify --bundle DIR\` performs all of these checks at once.
The layout is described in manifest.json (\`files\` gives the SHA-256 of every file:
\`sha256sum -c <(jq -r '.files | to_entries[] | "\\(.value)  \\(.key)"' manifest.json)\`).

## 1. Keys

\`keys/<peerId>.pem\` is the SPKI PEM Ed25519 public key of each signer. A peer ID is the key
itself (libp2p identity multihash, base58btc), so the file name and the key must agree:

    openssl pkey -pubin -in keys/<peerId>.pem -noout -text   # shows the 32-byte key

The node's own key is \`manifest.json\` → \`node\` (earlier keys in \`nodeKeys\`). That field is
only a claim: what makes the bundle this node's record is that its latest checkpoint verifies
under that key (step 5). Compare it with the peer ID the node's operator or its peers know
(\`liaison audit verify --bundle DIR --expect-node <peer ID>\` fails with NODE_MISMATCH otherwise).

## 2. Message and receipt signatures (DSSE v1, Ed25519)

For each \`messages/<digest>/\` (and each \`receipts/<peerId>/\` inside it):

- \`envelope.json\` is the envelope exactly as signed (outbound) or received (inbound).
- \`pae.bin\` is what the signature covers, the DSSE Pre-Authentication Encoding:

      "DSSEv1" SP len(payloadType) SP payloadType SP len(payload) SP payload

  (lengths in bytes, ASCII decimal). Rebuild it from the envelope and compare:

      TYPE=$(jq -r .payloadType envelope.json)
      jq -r .payload envelope.json | base64 -d > payload.bin
      { printf 'DSSEv1 %d %s %d ' "\${#TYPE}" "$TYPE" "$(wc -c < payload.bin)"; cat payload.bin; } | cmp - pae.bin

- The message digest (the directory name) is SHA-256 of pae.bin:

      sha256sum pae.bin

- Signature check. Signer: a message's \`from\` (in payload.bin; for messages this node sent,
  the node), a receipt's \`by\` (the receipt directory name):

      openssl pkeyutl -verify -pubin -inkey keys/<signer>.pem -rawin -in pae.bin -sigfile sig-0.bin

  which prints "Signature Verified Successfully".

A receipt directory that holds \`evidence.json\` is a recipient's answer under exchange v2: not a
DSSE envelope but receipt evidence from its batch receipt — the recipient's signed checkpoint
(\`checkpoint.body\`, \`checkpoint.sig\`), its audit entry for the message (\`entry.json\`), the
leaf index (\`leaf.txt\`) and the RFC 9162 inclusion proof (\`proof.txt\`); \`envelope.json\` is
the same evidence as stored. Check the signature as in step 5 with \`keys/<recipient>.pem\`
(\`receiver.pem\` is the same key), and the proof as in step 4 with the leaf hash of
\`entry.json\` and the root on the third line of \`checkpoint.body\`; the entry must be
\`message.received\` (or \`message.rejected\`) with this message's digest (PROTOCOL.md §22.5).

A message directory with \`meta.json\` but no envelope was purged after it expired
(\`purgedAt\` is set); its digest and audit entries remain.

## 3. Audit entries and leaf hashes

\`audit/entries.jsonl\` holds audit entries, one per line; each line without its newline is the
exact entry (canonical JSON, see below). \`audit/leaves.json\` gives, per line, the entry's leaf
index in the log, its leaf hash and its inclusion proof. The leaf hash is SHA-256 of a 0x00 byte
followed by the entry:

    N=1   # line number
    sed -n "\${N}p" audit/entries.jsonl | tr -d '\\n' | { printf '\\000'; cat; } | sha256sum

An entry of type \`message.sent\` / \`message.received\` records the message digest and
\`envelopeSha256\`, the SHA-256 of envelope.json (\`sha256sum envelope.json\`); \`receipt.stored\`
records the same for a receipt envelope; \`purge\` lists purged digests.

Entry encoding: \`{"v":1,"type":…,"at":…,<the fields of that type in a fixed order>}\`, no
whitespace; free-form values (\`before\`, \`after\`, \`detail\`) are RFC 8785 (JCS) canonical JSON.

## 4. Inclusion proofs (RFC 9162 §2.1.3.2)

With leaf index \`m\`, tree size \`n\` (\`manifest.json\` → \`checkpoint.size\`), leaf hash \`r\`
and proof \`p[0..]\` (hex, bottom-up), compute the root:

    fn = m; sn = n - 1
    for each p in proof:
      if fn is odd or fn == sn:
        r = SHA-256(0x01 ‖ p ‖ r)
        if fn is even: repeat { fn >>= 1; sn >>= 1 } until fn is odd or fn == 0
      else:
        r = SHA-256(0x01 ‖ r ‖ p)
      fn >>= 1; sn >>= 1
    require sn == 0 and r == root

One node hash with shell tools (\`L\`, \`R\` as hex):

    { printf '\\001'; printf '%s%s' "$L" "$R" | xxd -r -p; } | sha256sum

\`root\` is the base64 root on the third line of the checkpoint body (\`base64 -d | xxd -p -c 64\`).
When \`manifest.json\` says \`"full": true\`, entries.jsonl is the whole log in order and the
proofs are omitted: the root is then the RFC 9162 Merkle tree hash of all leaf hashes
(MTH of one leaf is the leaf hash; MTH(D[0:n]) = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])),
k the largest power of two below n).

## 5. Checkpoints (C2SP signed note and tlog-checkpoint)

\`checkpoints/<size>/note.txt\` is the signed checkpoint. \`body.txt\` is its signed text: three
lines — origin (\`liaison.local/<node peer ID>\`), tree size, base64 root — each ending in a
newline. \`signature.bin\` is the node's Ed25519 signature over body.txt (the signature line's
base64 minus its first 4 bytes, a key ID):

    openssl pkeyutl -verify -pubin -inkey keys/<node>.pem -rawin -in body.txt -sigfile signature.bin

The time is carried by the node's own C2SP tlog-cosignature/v1 line: \`cosigned.bin\` is
"cosignature/v1\\ntime <time.txt>\\n" followed by body.txt, and \`cosignature.bin\` its signature:

    openssl pkeyutl -verify -pubin -inkey keys/<node>.pem -rawin -in cosigned.bin -sigfile cosignature.bin

Further cosignature lines in note.txt, if any, are from witnesses: peer agencies that checked
this tree head was consistent with the last one they saw. A line \`— liaison.local/<witness peer
ID> <base64>\` is a tlog-cosignature/v1 by that peer (its key is its peer ID; keys/ holds it
when the witness is also a signer of the bundle): the base64 is a 4-byte key ID, an 8-byte
big-endian time T and a 64-byte signature over "cosignature/v1\\ntime T\\n" followed by body.txt,
checked as above. \`liaison audit verify --bundle DIR --thorough\` checks every such line.

## 6. Consistency between checkpoints (RFC 9162 §2.1.4.2)

\`checkpoints/consistency.json\` lists, for each pair of consecutive checkpoints, a proof that
the later tree extends the earlier one; verify it with the algorithm of RFC 9162 §2.1.4.2
against the two signed roots. Together with the signatures this shows the log was only ever
appended to.
`
}
