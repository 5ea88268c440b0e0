/**
 * Verifying a task force's history from its charter envelopes alone (PROTOCOL.md §21.3): what
 * an auditor or a new member does with the chain a notice carries, or with the envelopes
 * `liaison taskforce show ID --history` exports. Each envelope is opened with the members of
 * the version before as additional allowed signers, the links are checked, and the chain is
 * built by the governance rules; nothing else is trusted.
 *
 * @module
 */
import { ProtocolError } from '../errors.ts'
import { memberIds } from './charter.ts'
import { buildChain, type Chain } from './chain.ts'
import { openCharter, type SignedCharter } from './signatures.ts'

/**
 * Opens a consecutive sequence of charter envelopes (version 1 first, each naming the one
 * before as `previous`) of one task force. Throws ProtocolError (BAD_SIGNATURE for any
 * signature that fails; SCHEMA_INVALID for a broken link) — the signatures alone decide.
 */
export function openHistory (envelopes: readonly Uint8Array[]): SignedCharter[] {
  const out: SignedCharter[] = []
  for (const [i, bytes] of envelopes.entries()) {
    const prev = out.at(-1)
    const signed = openCharter(bytes, prev != null ? memberIds(prev.charter) : [])
    const c = signed.charter
    if (prev == null ? c.version !== 1 : (c.id !== prev.charter.id || c.version !== prev.charter.version + 1 || c.previous !== prev.digest)) {
      throw new ProtocolError(
        'SCHEMA_INVALID',
        `chain[${i}] (version ${c.version}) does not follow ${prev == null ? 'nothing: the chain starts at version 1' : `version ${prev.charter.version}`}`
      )
    }
    out.push(signed)
  }
  return out
}

/** `openHistory`, then the chain: which versions are valid, and any last one still pending. */
export function verifyHistory (envelopes: readonly Uint8Array[]): Chain {
  return buildChain(openHistory(envelopes))
}
