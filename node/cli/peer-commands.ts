/**
 * `liaison peers add|update|show|list|suspend|resume|revoke|remove` and `liaison card export`.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises'
import { NodeError } from '../errors.ts'
import { parseAgreementFlag, type PeerFields } from '../policy/peer-fields.ts'
import type { PeerRecord } from '../store/records.ts'
import type { MessageKind, Tlp } from '../../protocol/types.ts'
import { parse, str, list, print, type Parsed } from './args.ts'
import { openService } from './context.ts'
import { SELECTOR_TYPE_NAMES } from '../../protocol/selectors/index.ts'
import { DEFAULT_QUERY_MAX, DEFAULT_QUERY_QUOTA_PER_DAY, parseQuotaFlag } from '../query/policy.ts'

const FIELD_OPTIONS = {
  'peer-id': { type: 'string' },
  name: { type: 'string' },
  address: { type: 'string', multiple: true },
  jurisdiction: { type: 'string' },
  agreement: { type: 'string', multiple: true },
  'add-agreement': { type: 'string', multiple: true },
  'max-tlp-out': { type: 'string' },
  'max-tlp-in': { type: 'string' },
  'topics-out': { type: 'string' },
  'topics-in': { type: 'string' },
  kinds: { type: 'string' },
  note: { type: 'string' },
  'auto-approve-rotation': { type: 'string' },
  'query-types': { type: 'string' },
  'query-quota': { type: 'string' },
  'query-max': { type: 'string' },
  card: { type: 'string' },
  fingerprint: { type: 'string' },
  certificate: { type: 'string' }
} as const

/** The record fields named on the command line (only those given). */
function fieldsFrom (p: Parsed, current?: PeerRecord): PeerFields {
  const f: PeerFields = {}
  const name = str(p, 'name'); if (name != null) f.name = name
  const addresses = list(p, 'address'); if (addresses.length > 0) f.addresses = addresses
  const jurisdiction = str(p, 'jurisdiction'); if (jurisdiction != null) f.jurisdiction = jurisdiction
  const agreements = list(p, 'agreement').map(parseAgreementFlag)
  const added = list(p, 'add-agreement').map(parseAgreementFlag)
  if (agreements.length > 0 || added.length > 0) {
    const base = agreements.length > 0 ? agreements : (current?.agreements ?? [])
    f.agreements = [...base.filter(a => !added.some(b => b.id === a.id)), ...added]
  }
  const maxOut = str(p, 'max-tlp-out'); if (maxOut != null) f.maxTlpOut = maxOut as Tlp
  const maxIn = str(p, 'max-tlp-in'); if (maxIn != null) f.maxTlpIn = maxIn as Tlp
  const topicsOut = list(p, 'topics-out'); if (topicsOut.length > 0) f.topicsOut = topicsOut
  const topicsIn = list(p, 'topics-in'); if (topicsIn.length > 0) f.topicsIn = topicsIn
  const kinds = list(p, 'kinds'); if (kinds.length > 0) f.kinds = kinds as MessageKind[]
  const note = str(p, 'note'); if (note != null) f.note = note
  const auto = str(p, 'auto-approve-rotation')
  if (auto != null) {
    if (auto !== 'true' && auto !== 'false') throw new NodeError('BAD_ARGUMENT', '--auto-approve-rotation takes true or false')
    f.autoApproveRotation = auto === 'true'
  }
  const query = queryGrantFrom(p, current)
  if (query !== undefined) f.query = query
  return f
}

/**
 * `--query-types phone,iban` (or `none`), `--query-quota N/day`, `--query-max M`: what this peer
 * may ask this node in hit/no-hit queries (PROTOCOL.md §19). Unset flags keep the current
 * values; types without numbers get the defaults. Without any grant the peer may not query.
 */
function queryGrantFrom (p: Parsed, current?: PeerRecord): PeerRecord['query'] {
  const types = str(p, 'query-types')
  const quota = str(p, 'query-quota')
  const max = str(p, 'query-max')
  if (types == null && quota == null && max == null) return undefined
  const base = current?.query
  const nextTypes = types == null ? base?.types : types === 'none' ? [] : types.split(',').map(t => t.trim()).filter(t => t !== '')
  if (nextTypes === undefined) throw new NodeError('BAD_ARGUMENT', '--query-quota and --query-max need --query-types (the peer has no query grant yet)')
  for (const t of nextTypes) if (!SELECTOR_TYPE_NAMES.includes(t)) throw new NodeError('BAD_ARGUMENT', `--query-types: unknown selector type ${JSON.stringify(t)} (one of ${SELECTOR_TYPE_NAMES.join(', ')})`)
  let quotaPerDay = base?.quotaPerDay ?? DEFAULT_QUERY_QUOTA_PER_DAY
  if (quota != null) {
    try { quotaPerDay = parseQuotaFlag(quota) } catch (err) { throw new NodeError('BAD_ARGUMENT', (err as Error).message) }
  }
  let maxPerQuery = base?.maxPerQuery ?? DEFAULT_QUERY_MAX
  if (max != null) {
    if (!/^\d{1,4}$/.test(max) || Number(max) < 1 || Number(max) > 1000) throw new NodeError('BAD_ARGUMENT', '--query-max must be 1–1000')
    maxPerQuery = Number(max)
  }
  return { types: nextTypes, quotaPerDay, maxPerQuery }
}

export function describePeer (r: PeerRecord): string {
  return [
    `${r.name}  (${r.peerId})`,
    `  status        ${r.status}`,
    `  jurisdiction  ${r.jurisdiction ?? '-'}`,
    `  addresses     ${r.addresses.join(' ') || '-'}`,
    `  agreements    ${r.agreements.map(a => `${a.id} ${a.validFrom.slice(0, 10)}…${a.validUntil.slice(0, 10)}`).join(', ') || 'none (nothing can flow until one is added)'}`,
    `  TLP out/in    ≤ ${r.maxTlpOut} / ≤ ${r.maxTlpIn}`,
    `  topics out    ${r.topicsOut.join(', ')}`,
    `  topics in     ${r.topicsIn.join(', ')}`,
    `  kinds         ${r.kinds.join(', ')}`,
    `  keys          ${r.keyHistory.map(k => `${k.peerId.slice(0, 16)}… from ${k.validFrom}${k.validUntil != null ? ` until ${k.validUntil}` : ''}`).join('; ')}`,
    `  queries       ${r.query != null && r.query.types.length > 0 ? `${r.query.types.join(', ')}; ≤ ${r.query.maxPerQuery} per query, ${r.query.quotaPerDay}/day` : 'none'}`,
    ...(r.note != null ? [`  note          ${r.note}`] : [])
  ].join('\n') + '\n'
}

export async function peersCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  const p = parse(rest, FIELD_OPTIONS)
  const json = p.values.json === true
  const target = (): string => p.positionals[0] ?? str(p, 'peer-id', true) as string
  const handle = await openService(p.dataDir)
  try {
    const s = handle.service
    const statusChange = async (status: 'active' | 'suspended' | 'revoked'): Promise<number> => {
      const change = await s.setPeerStatus(target(), status)
      if (json) print(change)
      else {
        process.stdout.write(`${change.record.name} is now ${change.record.status}\n`)
        if (change.cancelled.length > 0) process.stdout.write(`${change.cancelled.length} queued message(s) cancelled\n`)
      }
      return 0
    }
    switch (sub) {
      case 'add': {
        const cardFile = str(p, 'card')
        if (cardFile != null) {
          const { record, fingerprint } = await s.addPeerFromCard(await readFile(cardFile, 'utf8'), fieldsFrom(p), str(p, 'fingerprint'))
          if (json) print({ record, fingerprint })
          else process.stdout.write(`added ${record.name} (${record.peerId}) from its trust card\nfingerprint ${fingerprint}\nConfirm this fingerprint with ${record.name} over a separate channel.\n`)
          return 0
        }
        const record = await s.addPeer({ ...fieldsFrom(p), peerId: str(p, 'peer-id', true) as string, name: str(p, 'name', true) as string })
        if (json) print(record)
        else process.stdout.write(`added ${record.name} (${record.peerId})\n`)
        return 0
      }
      case 'update': {
        const id = target()
        const record = await s.updatePeer(id, fieldsFrom(p, await s.peer(id)))
        if (json) print(record)
        else process.stdout.write(describePeer(record))
        return 0
      }
      case 'show': {
        const record = await s.peer(target())
        if (json) print(record)
        else process.stdout.write(describePeer(record))
        return 0
      }
      case 'list': {
        const peers = await s.peers()
        if (json) print(peers)
        else for (const r of peers) process.stdout.write(`${r.peerId}  ${r.status.padEnd(9)}  ${(r.jurisdiction ?? '--').padEnd(2)}  ${r.name}  ${r.addresses.join(' ')}\n`)
        return 0
      }
      case 'revoke': {
        // `peers revoke --certificate FILE`: act on the revocation certificate an agency sent
        // (its key, and this node's record of it, are revoked; docs/operations.md).
        const file = str(p, 'certificate')
        if (file == null) return await statusChange('revoked')
        // A revocation kit (what `keys revoke` delivers) holds the certificate too.
        const text = await readFile(file, 'utf8')
        const { looksLikeKit, parseKit } = await import('../courier/kit.ts')
        const outcome = await s.applyRevocation(looksLikeKit(text) ? parseKit(text).certificate : text)
        if (json) print(outcome)
        else {
          process.stdout.write(`${outcome.record.name}: key ${outcome.revocation.peerId} ${outcome.applied ? 'revoked' : 'was already revoked'} (certificate ${outcome.digest})\n`)
          if (outcome.cancelled.length > 0) process.stdout.write(`${outcome.cancelled.length} queued message(s) cancelled\n`)
        }
        return 0
      }
      case 'suspend':
      case 'resume': {
        return await statusChange(sub === 'suspend' ? 'suspended' : 'active')
      }
      case 'remove': {
        const id = target()
        await s.removePeer(id)
        process.stdout.write(`removed ${id}\n`)
        return 0
      }
      default:
        throw new NodeError('BAD_ARGUMENT', 'usage: liaison peers add|update|show|list|suspend|resume|revoke|remove …')
    }
  } finally {
    await handle.close()
  }
}

export async function cardCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub !== 'export') throw new NodeError('BAD_ARGUMENT', 'usage: liaison card export [--out FILE]')
  const p = parse(rest, { out: { type: 'string' } })
  const handle = await openService(p.dataDir)
  try {
    const card = await handle.service.card()
    const out = str(p, 'out')
    if (out != null) {
      await writeFile(out, card.envelope + '\n')
      process.stdout.write(`wrote ${out}\nfingerprint ${card.fingerprint}\n`)
    } else {
      process.stdout.write(card.envelope + '\n')
      process.stderr.write(`fingerprint ${card.fingerprint}\n`)
    }
    return 0
  } finally {
    await handle.close()
  }
}
