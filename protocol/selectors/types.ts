/**
 * The selector types and their normalisations: the same real-world value always yields the
 * same canonical string, whatever spacing, case, national format or diacritics it was written
 * with. The canonical string is what the OPRF evaluates (`selectorInput`), so both nodes must
 * normalise identically; PROTOCOL.md §"Hit/no-hit queries" documents each rule, and a change of
 * rule is a new selector-input version.
 *
 * | type     | canonical form                          | example                                  |
 * |----------|-----------------------------------------|------------------------------------------|
 * | phone    | E.164 (libphonenumber-js, valid only)   | "0151 2345 6789" (region DE) → +4915123456789 |
 * | iban     | electronic format (ibantools, checked; "IBAN" prefix, spaces, - . dropped) | "de89 3704 0044 0532 0130 00" → DE89370400440532013000 |
 * | email    | trimmed, NFC, lower case, IDNA domain   | " John.Doe@Example.COM" → john.doe@example.com |
 * | document | ISSUER:NUMBER, upper, only A–Z 0–9      | "de c01x-00t47" → DE:C01X00T47           |
 * | vehicle  | COUNTRY:PLATE, folded, only A–Z 0–9     | "D M-AB 1234" → D:MAB1234                |
 * | person   | sorted folded name tokens ‖ "|" ‖ ISO date | "MÜLLER, Jörg 03.02.1980" → jorg muller|1980-02-03 |
 * | crypto   | CHAIN:ADDRESS (eth lower hex, bech32 lower, base58 as is) | "0xAbC…" → eth:0xabc… |
 *
 * @module
 */
import { domainToASCII } from 'node:url'
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max'
import { electronicFormatIBAN, isValidIBAN } from 'ibantools'
import { SelectorError } from './errors.ts'
import { foldText } from './fold.ts'

/** Options of a normalisation. */
export interface NormaliseOptions {
  /** ISO 3166-1 alpha-2 region for national phone formats (e.g. "DE"); none: E.164 input only. */
  readonly defaultRegion?: string
}

/** A selector type: its name and its normalisation. */
export interface SelectorType {
  readonly name: string
  readonly description: string
  normalise: (value: string, options?: NormaliseOptions) => string
}

const COUNTRY = /^[A-Z]{1,3}$/

function countryAndRest (type: string, value: string): [string, string] {
  const trimmed = value.trim()
  const m = /^([A-Za-z]{1,3})\s*[:\s]\s*(.+)$/su.exec(trimmed)
  if (m === null) throw new SelectorError(type, 'expected COUNTRY:VALUE (e.g. DE:…)')
  const country = m[1].toUpperCase()
  if (!COUNTRY.test(country)) throw new SelectorError(type, 'country must be 1–3 letters')
  return [country, m[2]]
}

function alnum (type: string, value: string, max: number): string {
  const out = foldText(value).toUpperCase().replace(/[^A-Z0-9]/g, '')
  if (out.length === 0) throw new SelectorError(type, 'no letters or digits')
  if (out.length > max) throw new SelectorError(type, `longer than ${max} characters`)
  return out
}

const phone: SelectorType = {
  name: 'phone',
  description: 'Telephone number, E.164 (national formats need the default region).',
  normalise (value, options) {
    const parsed = parsePhoneNumberFromString(value.trim(), options?.defaultRegion as CountryCode | undefined)
    if (parsed === undefined || !parsed.isValid()) throw new SelectorError('phone', 'not a valid phone number (give +CC… or a default region)')
    return parsed.number
  }
}

const iban: SelectorType = {
  name: 'iban',
  description: 'IBAN, electronic format, check digits verified.',
  normalise (value) {
    const e = electronicFormatIBAN(value.trim().replace(/^IBAN[\s:]*/i, '').replace(/[-.]/g, ''))
    if (e === null || !isValidIBAN(e)) throw new SelectorError('iban', 'not a valid IBAN')
    return e
  }
}

const email: SelectorType = {
  name: 'email',
  description: 'E-mail address, lower case, IDNA (punycode) domain; no provider-specific rewriting.',
  normalise (value) {
    const v = value.trim().normalize('NFC')
    const at = v.lastIndexOf('@')
    if (at <= 0 || at === v.length - 1 || /\s/.test(v)) throw new SelectorError('email', 'expected local@domain')
    const domain = domainToASCII(v.slice(at + 1).toLowerCase().replace(/\.$/, ''))
    if (domain === '' || !domain.includes('.')) throw new SelectorError('email', 'bad domain')
    return `${v.slice(0, at).toLowerCase()}@${domain}`
  }
}

const document: SelectorType = {
  name: 'document',
  description: 'Travel or identity document: issuing country (ISO 3166 / ICAO code) and number.',
  normalise (value) {
    const [country, rest] = countryAndRest('document', value)
    return `${country}:${alnum('document', rest, 30)}`
  }
}

const vehicle: SelectorType = {
  name: 'vehicle',
  description: 'Vehicle registration: country (ISO 3166 or the international plate code) and plate.',
  normalise (value) {
    const [country, rest] = countryAndRest('vehicle', value)
    return `${country}:${alnum('vehicle', rest, 20)}`
  }
}

const DATE_PATTERNS: readonly [RegExp, (m: RegExpExecArray) => [string, string, string]][] = [
  [/^(\d{4})-(\d{1,2})-(\d{1,2})$/, (m) => [m[1], m[2], m[3]]],
  [/^(\d{1,2})[./](\d{1,2})[./](\d{4})$/, (m) => [m[3], m[2], m[1]]]
]

function isoDate (value: string): string {
  for (const [re, parts] of DATE_PATTERNS) {
    const m = re.exec(value)
    if (m === null) continue
    const [y, mo, d] = parts(m)
    const iso = `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`
    const t = new Date(`${iso}T00:00:00Z`)
    if (Number.isNaN(t.getTime()) || t.toISOString().slice(0, 10) !== iso) break
    return iso
  }
  throw new SelectorError('person', 'date of birth must be YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY')
}

const person: SelectorType = {
  name: 'person',
  description: 'Person: name (folded, tokens sorted, so word order and diacritics do not matter) and date of birth.',
  normalise (value) {
    const m = /^(.*?)[\s,;|]+(\S+)$/su.exec(value.trim())
    if (m === null) throw new SelectorError('person', 'expected NAME DATE-OF-BIRTH')
    const tokens = foldText(m[1]).split(/[^\p{L}\p{N}]+/u).filter((t) => t.length > 0).sort()
    if (tokens.length === 0) throw new SelectorError('person', 'no name')
    return `${tokens.join(' ')}|${isoDate(m[2])}`
  }
}

const BECH32_CHAIN: Readonly<Record<string, string>> = { bc: 'btc', tb: 'btc-testnet', ltc: 'ltc' }

const crypto: SelectorType = {
  name: 'crypto',
  description: 'Crypto-asset address: Ethereum-style hex (lower case), bech32 (lower case), base58 (as is).',
  normalise (value) {
    let v = value.trim()
    let chain = ''
    const m = /^([a-z][a-z0-9-]{1,15}):(.+)$/i.exec(v)
    if (m !== null) {
      chain = m[1].toLowerCase()
      v = m[2].trim()
    }
    if (/^0x[0-9a-fA-F]{40}$/.test(v)) return `${chain === '' ? 'eth' : chain}:${v.toLowerCase()}`
    if (/^(bc|tb|ltc)1[02-9ac-hj-np-z]{6,87}$/i.test(v) && (v === v.toLowerCase() || v === v.toUpperCase())) {
      return `${chain === '' ? BECH32_CHAIN[v.slice(0, v.indexOf('1')).toLowerCase()] : chain}:${v.toLowerCase()}`
    }
    if (/^[1-9A-HJ-NP-Za-km-z]{25,64}$/.test(v)) {
      if (chain === '') throw new SelectorError('crypto', 'a base58 address needs its chain (e.g. btc:…)')
      return `${chain}:${v}`
    }
    throw new SelectorError('crypto', 'unrecognised address format')
  }
}

/** The built-in selector types, by name. */
export const SELECTOR_TYPES: Readonly<Record<string, SelectorType>> = { phone, iban, email, document, vehicle, person, crypto }

/** The built-in type names. */
export const SELECTOR_TYPE_NAMES = Object.keys(SELECTOR_TYPES)

/** Normalises `value` as `type`; SelectorError if the type is unknown or the value invalid. */
export function normaliseSelector (type: string, value: string, options?: NormaliseOptions): string {
  const t = Object.hasOwn(SELECTOR_TYPES, type) ? SELECTOR_TYPES[type] : undefined
  if (t === undefined) throw new SelectorError(type, `unknown selector type (known: ${SELECTOR_TYPE_NAMES.join(', ')})`)
  return t.normalise(value, options)
}

/**
 * The OPRF input for a canonical selector: "liaison-selector-v1" ‖ 0x00 ‖ type ‖ 0x00 ‖
 * canonical, UTF-8. The type is inside the input, so outputs of different types never collide.
 */
export function selectorInput (type: string, canonical: string): Uint8Array {
  return new TextEncoder().encode(`liaison-selector-v1\u0000${type}\u0000${canonical}`)
}
