/**
 * Task force charter v1 (`application/vnd.liaison.taskforce-charter.v1+json`, PROTOCOL.md §21):
 * what a joint task force is — who its members are, what they may share, under which legal
 * basis, until when, and how many of them must sign to change it.
 *
 * | field       | rule |
 * |-------------|------|
 * | v           | the integer 1 |
 * | id          | UUIDv7: the task force's identity, the same in every version |
 * | version     | integer 1..MAX_CHARTER_VERSIONS; 1 is the founding version |
 * | previous    | digest (§8) of the version before, `null` exactly when version is 1 |
 * | name        | 1..200 characters |
 * | purpose     | 1..2000 characters |
 * | legalBasis  | an agreement id, the same format as a message's `legalBasis` (§10) |
 * | members     | 1..MAX_TASKFORCE_MEMBERS `{ peerId, name (1..200), jurisdiction? (1..64) }`, unique peer IDs, admissible keys |
 * | topics      | 1..MAX_TASKFORCE_TOPICS unique topic slugs (§10) |
 * | maxTlp      | the highest TLP a message of the task force may carry |
 * | handling    | default handling codes (§10.1), every message of the task force carries at least these |
 * | validFrom   | RFC 3339 UTC with milliseconds |
 * | validUntil  | the same, strictly after validFrom |
 * | governance  | `{ quorum }`: how many signatures of the current members a new version needs, 1..members |
 * | status      | `active`, or `dissolved` (the last version: nothing follows it) |
 * | proposedBy  | peer ID of the member who wrote this version |
 * | proposed    | when it was written (RFC 3339 UTC with milliseconds) |
 *
 * Unknown fields are rejected; `encodeCharter` writes the keys in this order. The charter's
 * identity is its digest (the SHA-256 of PAE, §8): the same whatever signatures it carries, so
 * members add their signatures to one statement.
 *
 * @module
 */
import { compactJson } from '../json.ts'
import { isAdmissiblePublicKey } from '../ed25519.ts'
import { MAX_LEGAL_BASIS_LENGTH, MAX_SLUG_LENGTH } from '../limits.ts'
import { publicKeyFromPeerId } from '../peer-id.ts'
import { bad, digestField, invalid, parsePayload, peerIdField, stringField, timeField, uuidField, versionedObject } from '../schema-kit.ts'
import { HANDLING_CODES, TLP_LEVELS, type Tlp } from '../types.ts'

/** Most members a task force may have (one DSSE signature each on its charter). */
export const MAX_TASKFORCE_MEMBERS = 32
/** Most topics one charter may list. */
export const MAX_TASKFORCE_TOPICS = 32
/** Most versions a task force may have (founding version included). */
export const MAX_CHARTER_VERSIONS = 256
/** Largest charter payload, in bytes. */
export const MAX_CHARTER_BYTES = 16 * 1024

export const CHARTER_STATUSES = ['active', 'dissolved'] as const
export type CharterStatus = typeof CHARTER_STATUSES[number]

export interface CharterMember {
  peerId: string
  name: string
  jurisdiction?: string
}

export interface CharterV1 {
  v: 1
  id: string
  version: number
  previous: string | null
  name: string
  purpose: string
  legalBasis: string
  members: CharterMember[]
  topics: string[]
  maxTlp: Tlp
  handling: string[]
  validFrom: string
  validUntil: string
  governance: { quorum: number }
  status: CharterStatus
  proposedBy: string
  proposed: string
}

const KEYS: ReadonlySet<string> = new Set([
  'v',
  'id',
  'version',
  'previous',
  'name',
  'purpose',
  'legalBasis',
  'members',
  'topics',
  'maxTlp',
  'handling',
  'validFrom',
  'validUntil',
  'governance',
  'status',
  'proposedBy',
  'proposed'
])
const MEMBER_KEYS: ReadonlySet<string> = new Set(['peerId', 'name', 'jurisdiction'])
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/
const X_HANDLING = /^x-[a-z0-9]+(-[a-z0-9]+)*$/
const LEGAL_BASIS = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/
const KNOWN_HANDLING: ReadonlySet<string> = new Set(HANDLING_CODES)

/** Validates a charter given as a value and returns a fresh object in the fixed key order. Throws ProtocolError SCHEMA_INVALID. */
export function validateCharter (value: unknown): CharterV1 {
  const o = versionedObject(value, KEYS, 'charter')
  const version = o.version
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > MAX_CHARTER_VERSIONS) {
    bad('version', version, `must be an integer 1..${MAX_CHARTER_VERSIONS}`)
  }
  let previous: string | null = null
  if (version === 1) {
    if (o.previous !== null) bad('previous', o.previous, 'must be null in version 1')
  } else {
    previous = digestField(o, 'previous')
  }
  const members = checkMembers(o.members)
  const topics = checkList(
    o.topics,
    'topics',
    MAX_TASKFORCE_TOPICS,
    1,
    t => typeof t === 'string' && t.length <= MAX_SLUG_LENGTH && SLUG.test(t),
    `a topic slug of at most ${MAX_SLUG_LENGTH} characters`
  )
  const handling = checkList(
    o.handling,
    'handling',
    16,
    0,
    c => typeof c === 'string' && (KNOWN_HANDLING.has(c) || (c.length <= MAX_SLUG_LENGTH && X_HANDLING.test(c))),
    'a known handling code or an x- slug'
  )
  const maxTlp = o.maxTlp
  if (typeof maxTlp !== 'string' || !(TLP_LEVELS as readonly string[]).includes(maxTlp)) bad('maxTlp', maxTlp, `must be one of ${TLP_LEVELS.join(', ')}`)
  const validFrom = timeField(o, 'validFrom')
  const validUntil = timeField(o, 'validUntil')
  if (Date.parse(validUntil) <= Date.parse(validFrom)) invalid('validUntil must be after validFrom')
  const governance = checkGovernance(o.governance, members.length)
  const status = o.status
  if (typeof status !== 'string' || !(CHARTER_STATUSES as readonly string[]).includes(status)) {
    bad('status', status, `must be one of ${CHARTER_STATUSES.join(', ')}`)
  }
  return {
    v: 1,
    id: uuidField(o, 'id'),
    version,
    previous,
    name: stringField(o, 'name', 200),
    purpose: stringField(o, 'purpose', 2000),
    legalBasis: stringField(o, 'legalBasis', MAX_LEGAL_BASIS_LENGTH, LEGAL_BASIS),
    members,
    topics,
    maxTlp: maxTlp as Tlp,
    handling,
    validFrom,
    validUntil,
    governance,
    status: status as CharterStatus,
    proposedBy: peerIdField(o, 'proposedBy'),
    proposed: timeField(o, 'proposed')
  }
}

/** Decodes and validates a charter payload (the exact signed bytes). */
export const parseCharter = (payload: Uint8Array): CharterV1 => validateCharter(parsePayload(payload, 'charter', MAX_CHARTER_BYTES))

/** Validates, then writes compact JSON in the fixed key order. */
export function encodeCharter (c: CharterV1): Uint8Array {
  const bytes = new TextEncoder().encode(compactJson(validateCharter(c)))
  if (bytes.length > MAX_CHARTER_BYTES) invalid(`charter is ${bytes.length} bytes; the limit is ${MAX_CHARTER_BYTES}`)
  return bytes
}

/** The peer IDs of a charter's members, in charter order. */
export const memberIds = (c: Pick<CharterV1, 'members'>): string[] => c.members.map(m => m.peerId)

function checkMembers (value: unknown): CharterMember[] {
  if (!Array.isArray(value)) bad('members', value, 'must be an array of members')
  if (value.length === 0 || value.length > MAX_TASKFORCE_MEMBERS) invalid(`members must list 1..${MAX_TASKFORCE_MEMBERS} members`)
  const seen = new Set<string>()
  return value.map((entry: unknown, i) => {
    const at = `members[${i}]`
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) invalid(`${at} is not a JSON object`)
    const m = entry as Record<string, unknown>
    for (const key of Object.keys(m)) if (!MEMBER_KEYS.has(key)) invalid(`${at} has unknown field ${JSON.stringify(key)}`)
    const peerId = peerIdField(m, 'peerId')
    if (!isAdmissiblePublicKey(publicKeyFromPeerId(peerId))) invalid(`${at}.peerId is not an admissible Ed25519 key`)
    if (seen.has(peerId)) invalid(`${at} repeats a member`)
    seen.add(peerId)
    const member: CharterMember = { peerId, name: stringField(m, 'name', 200) }
    if (m.jurisdiction !== undefined) member.jurisdiction = stringField(m, 'jurisdiction', 64)
    return member
  })
}

function checkList (value: unknown, field: string, max: number, min: number, ok: (v: unknown) => boolean, what: string): string[] {
  if (!Array.isArray(value)) bad(field, value, 'must be an array')
  if (value.length < min || value.length > max) invalid(`${field} must have ${min}..${max} entries`)
  const seen = new Set<unknown>()
  for (let i = 0; i < value.length; i++) {
    if (!ok(value[i])) invalid(`${field}[${i}] is not ${what}`)
    if (seen.has(value[i])) invalid(`${field}[${i}] is repeated`)
    seen.add(value[i])
  }
  return value.slice() as string[]
}

function checkGovernance (value: unknown, members: number): { quorum: number } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('governance', value, 'must be an object { quorum }')
  const g = value as Record<string, unknown>
  for (const key of Object.keys(g)) if (key !== 'quorum') invalid(`governance has unknown field ${JSON.stringify(key)}`)
  const q = g.quorum
  if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > members) {
    bad('governance.quorum', q, `must be an integer 1..${members} (the number of members)`)
  }
  return { quorum: q }
}
