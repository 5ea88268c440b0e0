/**
 * The editable fields of a trust record, validated (zod, strict) wherever they come from:
 * CLI flags, the local API, a trust card.
 *
 * @module
 */
import { z } from 'zod'
import { MESSAGE_KINDS, TLP_LEVELS } from '../../protocol/types.ts'
import { NodeError } from '../errors.ts'
import type { Agreement, PeerRecord } from '../store/index.ts'

export type PeerPermissions = Pick<PeerRecord, 'maxTlpOut' | 'maxTlpIn' | 'topicsOut' | 'topicsIn' | 'kinds' | 'agreements' | 'autoApproveRotation'>

/**
 * What a new peer may do unless the operator says otherwise: up to TLP:AMBER both ways, any
 * topic and kind — but nothing flows until an agreement is recorded, because every message
 * must name a legal basis that is valid with that peer.
 */
export function defaultPeerPermissions (): PeerPermissions {
  return {
    maxTlpOut: 'AMBER',
    maxTlpIn: 'AMBER',
    topicsOut: ['*'],
    topicsIn: ['*'],
    kinds: [...MESSAGE_KINDS],
    agreements: [],
    autoApproveRotation: false
  }
}

const slugOrAny = z.string().regex(/^(\*|[a-z0-9]+(-[a-z0-9]+)*)$/, 'a topic slug or *')
const instant = z.string().refine(s => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s), 'an RFC 3339 date-time')
const multiaddr = z.string().regex(/^\/(ip4|ip6|dns4|dns6|dns)\/[^/]+\/tcp\/\d{1,5}(\/p2p\/[1-9A-HJ-NP-Za-km-z]+)?$/, 'a TCP multiaddr')

export const agreementSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'an agreement id like the message legalBasis').max(128),
  validFrom: instant,
  validUntil: instant
}).refine(a => Date.parse(a.validFrom) <= Date.parse(a.validUntil), 'validFrom must not be after validUntil')

export const peerFieldsSchema = z.strictObject({
  name: z.string().min(1).max(128),
  addresses: z.array(multiaddr).max(16),
  jurisdiction: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as NL'),
  agreements: z.array(agreementSchema).max(64),
  maxTlpOut: z.enum(TLP_LEVELS),
  maxTlpIn: z.enum(TLP_LEVELS),
  topicsOut: z.array(slugOrAny).min(1).max(256),
  topicsIn: z.array(slugOrAny).min(1).max(256),
  kinds: z.array(z.enum(MESSAGE_KINDS)).min(1),
  note: z.string().max(2000),
  autoApproveRotation: z.boolean(),
  /** Hit/no-hit queries this peer may send us (PROTOCOL.md §19); absent or no types: none. */
  query: z.strictObject({
    types: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a selector type name')).max(32),
    quotaPerDay: z.number().int().min(0).max(1e9),
    maxPerQuery: z.number().int().min(1).max(1000)
  }),
  /** The peer's OPRF key, from its trust card. */
  oprfKey: z.strictObject({ publicKey: z.string().max(64), keyId: z.string().regex(/^[0-9a-f]{32}$/) })
}).partial()

export type PeerFields = Partial<
  Pick<
    PeerRecord,
    | 'name'
    | 'addresses'
    | 'jurisdiction'
    | 'agreements'
    | 'maxTlpOut'
    | 'maxTlpIn'
    | 'topicsOut'
    | 'topicsIn'
    | 'kinds'
    | 'note'
    | 'autoApproveRotation'
    | 'query'
    | 'oprfKey'
  >
>

export function validatePeerFields (value: unknown): PeerFields {
  const result = peerFieldsSchema.safeParse(value)
  if (!result.success) {
    const problems = result.error.issues.map(i => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    throw new NodeError('BAD_ARGUMENT', `invalid peer fields: ${problems.join('; ')}`, { details: problems })
  }
  return result.data as PeerFields
}

/**
 * `--agreement ID:FROM:UNTIL` with FROM/UNTIL as YYYY-MM-DD (valid from the start of FROM to
 * the end of UNTIL, UTC). The id may itself contain colons.
 */
export function parseAgreementFlag (text: string): Agreement {
  const m = /^(.+):(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})$/.exec(text)
  if (m == null) throw new NodeError('BAD_ARGUMENT', `--agreement ${text}: expected ID:YYYY-MM-DD:YYYY-MM-DD`)
  const agreement = { id: m[1], validFrom: `${m[2]}T00:00:00.000Z`, validUntil: `${m[3]}T23:59:59.999Z` }
  const result = agreementSchema.safeParse(agreement)
  if (!result.success) throw new NodeError('BAD_ARGUMENT', `--agreement ${text}: ${result.error.issues.map(i => i.message).join('; ')}`)
  return agreement
}
