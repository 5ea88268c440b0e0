/**
 * A task force as one node knows it: its stored versions opened and checked again (every
 * signature, against the keys inlined in the members' peer IDs; remembered by exact bytes),
 * ordered into the chain by the governance rules (protocol/taskforce/chain.ts), and what that
 * chain means for this node now.
 *
 * @module
 */
import { buildChain, checkCharterEnvelope, effectOn, memberIds, type Chain, type Effect, type SignedCharter } from '../../protocol/taskforce/index.ts'
import { createHash } from 'node:crypto'
import { encodeEnvelope } from '../../protocol/envelope.ts'
import { parseStrictJson, utf8Decode } from '../../protocol/json.ts'
import type { Envelope } from '../../protocol/types.ts'
import type { StoredVersion, TaskForceRecords } from './records.ts'

/**
 * Charters already checked, by the SHA-256 of their exact envelope bytes and the signers
 * allowed: every task force message is checked against the charter, and re-verifying every
 * member's signature (and key) for each one would cost more than the message itself.
 */
const CHECKED = new Map<string, SignedCharter>()
const CHECKED_MAX = 1024

function checked (env: Envelope, previousMembers: readonly string[]): SignedCharter {
  const key = createHash('sha256').update(encodeEnvelope(env)).update(previousMembers.join(',')).digest('hex')
  const hit = CHECKED.get(key)
  if (hit != null) return hit
  const result = checkCharterEnvelope(env, previousMembers)
  if (CHECKED.size >= CHECKED_MAX) CHECKED.clear()
  CHECKED.set(key, result)
  return result
}

export interface TaskForceView {
  id: string
  versions: StoredVersion[]
  /** Each stored version, checked. */
  signed: Map<string, SignedCharter>
  chain: Chain
  effect: Effect
}

export async function loadTaskForce (records: TaskForceRecords, id: string, self: string, nowMs: number): Promise<TaskForceView | undefined> {
  const versions = await records.list(id)
  if (versions.length === 0) return undefined
  const byDigest = new Map(versions.map(v => [v.digest, v]))
  const signed = new Map<string, SignedCharter>()
  const open = (v: StoredVersion): SignedCharter => {
    const done = signed.get(v.digest)
    if (done != null) return done
    // Only to find the version before; the full check follows (checked).
    const previous = (parseStrictJson(utf8Decode(v.envelope.payload)) as { previous?: unknown }).previous
    const before = typeof previous === 'string' ? byDigest.get(previous) : undefined
    const previousMembers = before != null ? memberIds(open(before).charter) : []
    const result = checked(v.envelope, previousMembers)
    signed.set(v.digest, result)
    return result
  }
  for (const v of [...versions].sort((a, b) => a.version - b.version)) open(v)
  const chain = buildChain(versions.map(v => signed.get(v.digest) as SignedCharter))
  return { id, versions, signed, chain, effect: effectOn(chain.valid, self, nowMs) }
}
