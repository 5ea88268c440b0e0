/**
 * `liaison peers add|update|show|list|suspend|resume|revoke|remove` and `liaison card export|inspect`.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises'
import { NodeError } from '../errors.ts'
import { parseAgreementFlag, type PeerFields } from '../policy/index.ts'
import type { PeerRecord } from '../store/index.ts'
import type { MessageKind, Tlp } from '../../protocol/types.ts'
import { str, list, print, type Parsed } from './args.ts'
import type { Invocation } from './spec.ts'
import { openService } from './context.ts'
import type { LiaisonService } from '../service/index.ts'
import type { CardInspection } from '../trust/index.ts'
import { SELECTOR_TYPE_NAMES } from '../../protocol/selectors/index.ts'
import { parseQuotaFlag } from '../query/policy.ts'
import { DEFAULT_QUERY_MAX, DEFAULT_QUERY_QUOTA_PER_DAY } from '../defaults.ts'

/** The record fields named on the command line (only those given). */
function fieldsFrom (p: Parsed, current?: PeerRecord): PeerFields {
  const f: PeerFields = {}
  const name = str(p, 'name')
  if (name != null) f.name = name
  const addresses = list(p, 'address')
  if (addresses.length > 0) f.addresses = addresses
  const jurisdiction = str(p, 'jurisdiction')
  if (jurisdiction != null) f.jurisdiction = jurisdiction
  const agreements = list(p, 'agreement').map(a => agreementFlag('agreement', a))
  const added = list(p, 'add-agreement').map(a => agreementFlag('add-agreement', a))
  if (agreements.length > 0 || added.length > 0) {
    const base = agreements.length > 0 ? agreements : (current?.agreements ?? [])
    f.agreements = [...base.filter(a => !added.some(b => b.id === a.id)), ...added]
  }
  const maxOut = str(p, 'max-tlp-out')
  if (maxOut != null) f.maxTlpOut = maxOut as Tlp
  const maxIn = str(p, 'max-tlp-in')
  if (maxIn != null) f.maxTlpIn = maxIn as Tlp
  const topicsOut = list(p, 'topics-out')
  if (topicsOut.length > 0) f.topicsOut = topicsOut
  const topicsIn = list(p, 'topics-in')
  if (topicsIn.length > 0) f.topicsIn = topicsIn
  const kinds = list(p, 'kinds')
  if (kinds.length > 0) f.kinds = kinds as MessageKind[]
  const note = str(p, 'note')
  if (note != null) f.note = note
  const auto = str(p, 'auto-approve-rotation')
  if (auto != null) {
    if (auto !== 'true' && auto !== 'false') throw new NodeError('BAD_ARGUMENT', '--auto-approve-rotation takes true or false')
    f.autoApproveRotation = auto === 'true'
  }
  const query = queryGrantFrom(p, current)
  if (query !== undefined) f.query = query
  return f
}

/** A real calendar day YYYY-MM-DD (2026-02-30 is not one). */
function isDay (text: string): boolean {
  const ms = Date.parse(`${text}T00:00:00.000Z`)
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text
}

/** `--agreement ID:FROM:UNTIL`, checked here so that the error names the part that is wrong. */
function agreementFlag (flagName: string, text: string): ReturnType<typeof parseAgreementFlag> {
  const m = /^(.+):([^:]*):([^:]*)$/.exec(text)
  const form = 'ID:YYYY-MM-DD:YYYY-MM-DD, e.g. EU-2024-17:2025-01-01:2026-12-31'
  if (m == null) throw new NodeError('BAD_ARGUMENT', `--${flagName} ${text}: expected ${form}`)
  for (const [part, day] of [['start', m[2]], ['end', m[3]]] as const) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
      throw new NodeError('BAD_ARGUMENT', `--${flagName} ${text}: the ${part} ${JSON.stringify(day)} is not a date YYYY-MM-DD (expected ${form})`)
    }
    if (!isDay(day)) {
      throw new NodeError('BAD_ARGUMENT', `--${flagName} ${text}: the ${part} ${day} is not a day of the calendar (month 01–12, day within the month)`)
    }
  }
  if (m[2] > m[3]) throw new NodeError('BAD_ARGUMENT', `--${flagName} ${text}: the agreement ends (${m[3]}) before it starts (${m[2]})`)
  return parseAgreementFlag(text)
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
  for (const t of nextTypes) {
    if (!SELECTOR_TYPE_NAMES.includes(t)) {
      throw new NodeError('BAD_ARGUMENT', `--query-types: unknown selector type ${JSON.stringify(t)} (one of ${SELECTOR_TYPE_NAMES.join(', ')})`)
    }
  }
  let quotaPerDay = base?.quotaPerDay ?? DEFAULT_QUERY_QUOTA_PER_DAY
  if (quota != null) {
    try {
      quotaPerDay = parseQuotaFlag(quota)
    } catch (err) {
      throw new NodeError('BAD_ARGUMENT', (err as Error).message)
    }
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
    `  agreements    ${
      r.agreements.map(a => `${a.id} ${a.validFrom.slice(0, 10)}…${a.validUntil.slice(0, 10)}`).join(', ') || 'none (nothing can flow until one is added)'
    }`,
    `  TLP out/in    ≤ ${r.maxTlpOut} / ≤ ${r.maxTlpIn}`,
    `  topics out    ${r.topicsOut.join(', ')}`,
    `  topics in     ${r.topicsIn.join(', ')}`,
    `  kinds         ${r.kinds.join(', ')}`,
    `  keys          ${
      r.keyHistory.map(k => `${k.peerId.slice(0, 16)}… from ${k.validFrom}${k.validUntil != null ? ` until ${k.validUntil}` : ''}`).join('; ')
    }`,
    `  queries       ${
      r.query != null && r.query.types.length > 0 ? `${r.query.types.join(', ')}; ≤ ${r.query.maxPerQuery} per query, ${r.query.quotaPerDay}/day` : 'none'
    }`,
    ...(r.note != null ? [`  note          ${r.note}`] : [])
  ].join('\n') + '\n'
}

/**
 * `peers add --card FILE`: the card's self-signature proves only that whoever made it holds the
 * key; the fingerprint, read out by the agency over a separate channel, proves whose key it is.
 * So --fingerprint is required, and skipping the comparison takes --no-fingerprint-check,
 * which the audit log records (UNCHECKED_CARD_ACTION).
 */
async function addFromCard (s: LiaisonService, p: Invocation, cardFile: string): Promise<number> {
  const expected = str(p, 'fingerprint')
  const unchecked = p.values['no-fingerprint-check'] === true
  if (expected != null && unchecked) throw new NodeError('BAD_ARGUMENT', 'give --fingerprint or --no-fingerprint-check, not both')
  if (expected == null && !unchecked) {
    throw new NodeError(
      'BAD_ARGUMENT',
      `liaison peers add --card ${cardFile} needs --fingerprint XXXX-XXXX-XXXX-XXXX-XXXX-XXXX, as the agency confirmed it to you over a separate channel (or ` +
        `--no-fingerprint-check to add it unchecked; that is recorded in the audit log)`
    )
  }
  if (expected != null && !/^([A-Za-z2-7]{4}-){5}[A-Za-z2-7]{4}$/.test(expected.trim())) {
    throw new NodeError(
      'BAD_ARGUMENT',
      `--fingerprint ${expected}: expected six groups of four letters A–Z and digits 2–7, such as ABCD-EFGH-IJKL-MNOP-QRST-UV23`
    )
  }
  const text = await readCardFile(cardFile, '--card')
  const { record, fingerprint } = await s.addPeerFromCard(text, fieldsFrom(p), expected ?? undefined)
  if (p.json) print({ record, fingerprint })
  else if (unchecked) {
    process.stdout.write(
      `added ${record.name} (${record.peerId}) from its trust card WITHOUT checking its fingerprint (recorded in the audit log)\nfingerprint ` +
        `${fingerprint}\nConfirm this fingerprint with ${record.name} over a separate channel before exchanging anything.\n`
    )
  } else process.stdout.write(`added ${record.name} (${record.peerId}) from its trust card; fingerprint ${fingerprint} confirmed\n`)
  return 0
}

export async function peersCommand (p: Invocation): Promise<number> {
  const sub = p.sub
  const json = p.json
  const target = (): string => {
    const given = p.positionals[0] ?? str(p, 'peer-id')
    if (given == null) throw new NodeError('BAD_ARGUMENT', `liaison peers ${sub} needs the peer: PEER_ID as the argument, or --peer-id PEER_ID`)
    return given
  }
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
        if (cardFile != null) return await addFromCard(s, p, cardFile)
        if (str(p, 'fingerprint') != null || p.values['no-fingerprint-check'] === true) {
          throw new NodeError('BAD_ARGUMENT', '--fingerprint and --no-fingerprint-check go with --card FILE (a peer added by --peer-id has no card to check)')
        }
        if (str(p, 'peer-id') == null || str(p, 'name') == null) {
          throw new NodeError('BAD_ARGUMENT', 'liaison peers add needs --card FILE (with --fingerprint), or --peer-id PEER_ID and --name NAME')
        }
        const record = await s.addPeer({ ...fieldsFrom(p), peerId: str(p, 'peer-id', true) as string, name: str(p, 'name', true) as string })
        if (json) print({ record })
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
        else {for (const r of peers) {
            process.stdout.write(`${r.peerId}  ${r.status.padEnd(9)}  ${(r.jurisdiction ?? '--').padEnd(2)}  ${r.name}  ${r.addresses.join(' ')}\n`)
          }}
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
          process.stdout.write(
            `${outcome.record.name}: key ${outcome.revocation.peerId} ${outcome.applied ? 'revoked' : 'was already revoked'} (certificate ${outcome.digest})\n`
          )
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
        if (json) print({ removed: id })
        else process.stdout.write(`removed ${id}\n`)
        return 0
      }
      default:
        throw new NodeError('INTERNAL', `no handler for peers ${sub}`)
    }
  } finally {
    await handle.close()
  }
}

/** Read the card file named on the command line (`what` names it in the error). */
async function readCardFile (file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new NodeError('BAD_ARGUMENT', `${what} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

function renderInspection (file: string, r: CardInspection): string {
  const c = r.card
  const keys = r.keys.map(k => `  ${k.role.padEnd(9)} ${k.id}${k.fingerprint != null ? `  fingerprint ${k.fingerprint}` : ''}`)
  return [
    `card ${file}: ${c.name} (${c.peerId})${c.jurisdiction != null ? `, ${c.jurisdiction}` : ''}, created ${c.created}`,
    `self-signature valid`,
    `fingerprint   ${r.fingerprint}`,
    'keys',
    ...keys,
    `addresses     ${c.addresses.join(', ') || 'none'}`,
    r.known != null ? `on the trust list already as ${r.known.name} (${r.known.status})` : 'not on the trust list',
    `Compare the fingerprint with ${c.name} over a separate channel; then: liaison peers add --card ${file} --fingerprint <the one they read to you>`
  ].join('\n') + '\n'
}

export async function cardCommand (p: Invocation): Promise<number> {
  if (p.sub === 'inspect') {
    const file = p.positionals[0]
    if (file == null) throw new NodeError('BAD_ARGUMENT', 'liaison card inspect needs the card file: liaison card inspect FILE')
    const text = await readCardFile(file, 'card')
    const handle = await openService(p.dataDir)
    try {
      const r = await handle.service.inspectCard(text)
      if (p.json) print(r)
      else process.stdout.write(renderInspection(file, r))
      return 0
    } finally {
      await handle.close()
    }
  }
  const handle = await openService(p.dataDir)
  try {
    const card = await handle.service.card()
    const out = str(p, 'out')
    if (out != null) await writeFile(out, card.envelope + '\n')
    if (p.json) {
      print(card)
    } else if (out != null) {
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
