/**
 * The per-batch evidence encoder must give, byte for byte, what `encodeReceiptEvidence` gives
 * for each message (the stored bytes, their audit entry's SHA-256 and the export depend on it).
 */
import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { BatchEvidenceEncoder, encodeReceiptEvidence, parseReceiptEvidence } from '../../protocol/receipt-evidence.ts'

describe('BatchEvidenceEncoder', () => {
  it('encodes exactly what encodeReceiptEvidence encodes, sharing nodes between proofs', () => {
    const by = '12D3KooWQkbVQnxH7cZ4MqHvnWqM1sVwzJqAPzAcbXqzJ5nqsDLj'
    const checkpoint = 'liaison.example/log\n42\nq83VZJ3q4p/0JjW1a9UDcrYtAVUQ0xv+mKr1m6pxnAk=\n\n— liaison.example/log “é” \\ "x" AAAA\n'
    const shared = [randomBytes(32), randomBytes(32), randomBytes(32)].map(b => new Uint8Array(b))
    const encoder = new BatchEvidenceEncoder(by, checkpoint)
    const entries = [
      '{"v":1,"type":"message.received","digest":"' + 'a'.repeat(64) + '"}',
      '{"v":1,"type":"message.rejected","from":"x","reason":"REPLAY","detail":"näive \\"quoted\\" \u2028 \ud83d\ude00"}',
      ''
    ]
    for (let i = 0; i < 30; i++) {
      const proof = [new Uint8Array(randomBytes(32)), ...shared.slice(0, i % 4)]
      const e = {
        v: 2 as const,
        for: randomBytes(32).toString('hex'),
        by,
        status: i % 2 === 0 ? 'accepted' as const : 'rejected' as const,
        reason: i % 2 === 0 ? null : 'REPLAY',
        leaf: i * 977,
        entry: entries[i % entries.length],
        proof: proof.map(h => Buffer.from(h).toString('hex')),
        checkpoint
      }
      const bytes = encoder.encode(e, proof)
      expect(Buffer.from(bytes).equals(Buffer.from(encodeReceiptEvidence(e)))).toBe(true)
      expect(parseReceiptEvidence(bytes)).toEqual(e)
    }
  })
})
