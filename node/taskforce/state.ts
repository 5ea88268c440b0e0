/**
 * A task force as one node knows it: its stored versions opened and checked again (every
 * signature, against the keys inlined in the members' peer IDs), ordered into the chain by the
 * governance rules (protocol/taskforce/chain.ts), and what that chain means for this node now.
 *
 * @module
 */
import { buildChain, checkCharterEnvelope, effectOn, memberIds, parseCharter, type Chain, type Effect, type SignedCharter } from '../../protocol/taskforce/index.ts'
import type { StoredVersion, TaskForceRecords } from './records.ts'

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
    const previous = parseCharter(v.envelope.payload).previous
    const before = previous != null ? byDigest.get(previous) : undefined
    const result = checkCharterEnvelope(v.envelope, before != null ? memberIds(open(before).charter) : [])
    signed.set(v.digest, result)
    return result
  }
  for (const v of [...versions].sort((a, b) => a.version - b.version)) open(v)
  const chain = buildChain(versions.map(v => signed.get(v.digest) as SignedCharter))
  return { id, versions, signed, chain, effect: effectOn(chain.valid, self, nowMs) }
}
