/**
 * PROTOCOL.md against the code: every reason code is documented and no other, every payload
 * type is named, every limit and default quoted has the value the code uses, the formats §10
 * quotes as regexes accept exactly what the validator accepts, and the Ed25519 verdict table
 * of §7 is what the verifiers (and, where present, the openssl command line) decide.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { REASON_CODES } from '../../protocol/errors.ts'
import * as limits from '../../protocol/limits.ts'
import { MAX_KEYID_LENGTH, MAX_PAYLOAD_TYPE_LENGTH, MAX_SIG_BYTES, pae } from '../../protocol/envelope.ts'
import { nobleVerify, opensslVerify } from '../../protocol/ed25519.ts'
import { EXCHANGE_PROTOCOL } from '../../protocol/frame.ts'
import { publicKeyToSpkiPem } from '../../protocol/keys.ts'
import { validateMessage } from '../../protocol/message.ts'
import { HANDLING_CODES, MESSAGE_KINDS, PAYLOAD_TYPES, TLP_LEVELS } from '../../protocol/types.ts'
import * as defaults from '../../node/defaults.ts'
import { buildExample } from '../../scripts/make-fixtures.ts'

const doc = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8')

/** The text of `## <n>. <title>` up to the next `## ` heading. */
function section (title: string): string {
  const start = doc.search(new RegExp(`^## \\d+\\. ${title}$`, 'm'))
  if (start < 0) throw new Error(`PROTOCOL.md has no section "${title}"`)
  const rest = doc.slice(start + 3)
  const end = rest.search(/^## /m)
  return end < 0 ? rest : rest.slice(0, end)
}

/** Rows of the markdown tables in `text` whose first cell is a `CODE`-style name: name → cells. */
function namedRows (text: string): Map<string, string[]> {
  const rows = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const m = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|(.*)\|\s*$/.exec(line)
    if (m == null) continue
    if (rows.has(m[1])) throw new Error(`${m[1]} is listed twice`)
    rows.set(m[1], m[2].split('|').map(c => c.trim()))
  }
  return rows
}

describe('PROTOCOL.md §15 Reason codes', () => {
  const rows = namedRows(section('Reason codes'))

  it('lists every code in the REASON_CODES catalogue, and no code that is not in it', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(REASON_CODES).sort())
  })

  it('lists the codes in catalogue order (the order of the receive pipeline)', () => {
    expect([...rows.keys()]).toEqual(Object.keys(REASON_CODES))
  })

  it('gives each code a meaning, where it arises, and what happens on the wire', () => {
    for (const [code, cells] of rows) {
      expect(cells, code).toHaveLength(3)
      const [meaning, where, wire] = cells
      expect(meaning.length, code).toBeGreaterThan(10)
      expect(where.length, code).toBeGreaterThan(3)
      expect(wire, code).toMatch(/^(receipt|reset|local)\b/)
    }
  })

  it('marks exactly the transient reasons of the delivery lane as transient', () => {
    const transient = [...rows].filter(([, cells]) => cells[2].includes('transient')).map(([code]) => code)
    expect(transient.sort()).toEqual(['INTERNAL', 'STORAGE_FULL', 'UNAVAILABLE'])
  })
})

describe('PROTOCOL.md names every payload type', () => {
  for (const [name, type] of Object.entries(PAYLOAD_TYPES)) {
    it(`mentions ${name}: ${type}`, () => {
      expect(doc).toContain('`' + type + '`')
      expect(section('Payload types')).toContain('`' + type + '`')
    })
  }

  it('names the exchange protocol id', () => {
    expect(section('Wire protocol')).toContain('`' + EXCHANGE_PROTOCOL + '`')
  })
})

describe('PROTOCOL.md §16 Limits and defaults', () => {
  const rows = namedRows(section('Limits and defaults'))
  const value = (name: string): number => {
    const cells = rows.get(name)
    if (cells == null) throw new Error(`${name} is not in the limits table`)
    return Number(cells[0])
  }

  it('quotes every constant of protocol/limits.ts with its value', () => {
    const entries = Object.entries(limits)
    expect(entries.length).toBeGreaterThan(0)
    for (const [name, v] of entries) expect(value(name), name).toBe(v)
  })

  it('quotes the envelope limits of protocol/envelope.ts with their values', () => {
    expect(value('MAX_PAYLOAD_TYPE_LENGTH')).toBe(MAX_PAYLOAD_TYPE_LENGTH)
    expect(value('MAX_KEYID_LENGTH')).toBe(MAX_KEYID_LENGTH)
    expect(value('MAX_SIG_BYTES')).toBe(MAX_SIG_BYTES)
  })

  it('quotes only defaults that node/defaults.ts has, with their values', () => {
    const quoted = [...rows.keys()].filter(n => n.startsWith('DEFAULT_'))
    expect(quoted.length).toBeGreaterThan(5)
    for (const name of quoted) {
      expect(Object.hasOwn(defaults, name), name).toBe(true)
      expect(value(name), name).toBe((defaults as Record<string, unknown>)[name])
    }
  })

  it('names no constant in its table that the code does not define', () => {
    const known = new Set([...Object.keys(limits), ...Object.keys(defaults), 'MAX_PAYLOAD_TYPE_LENGTH', 'MAX_KEYID_LENGTH', 'MAX_SIG_BYTES'])
    for (const name of rows.keys()) expect(known.has(name), name).toBe(true)
  })

  it('uses in the running text only constant names that exist', () => {
    const known = new Set([...Object.keys(limits), ...Object.keys(defaults), 'MAX_PAYLOAD_TYPE_LENGTH', 'MAX_KEYID_LENGTH', 'MAX_SIG_BYTES'])
    const mentioned = new Set([...doc.matchAll(/`((?:MAX|DEFAULT)_[A-Z0-9_]+)`/g)].map(m => m[1]))
    for (const name of mentioned) expect(known.has(name), name).toBe(true)
  })

  it('quotes in parentheses the same values it tabulates (MAX_RECIPIENTS (64), DEFAULT_FRAME_TIMEOUT_MS (10 s))', () => {
    const unit: Record<string, number> = { '': 1, ' s': 1000, ' minutes': 60_000, ' days': 86_400_000 }
    let checked = 0
    for (const m of doc.matchAll(/`((?:MAX|DEFAULT)_[A-Z0-9_]+)` \((\d+)( s| minutes| days)?[),;]/g)) {
      expect(Number(m[2]) * unit[m[3] ?? ''], m[0]).toBe(value(m[1]))
      checked++
    }
    expect(checked).toBeGreaterThan(5)
  })
})

describe('PROTOCOL.md §6 PAE examples', () => {
  it("DSSE's HelloWorld example is what pae() builds, and its stated length", () => {
    const bytes = pae('http://example.com/HelloWorld', new TextEncoder().encode('hello world'))
    const text = Buffer.from(bytes).toString('utf8')
    expect(section('PAE: the signed bytes')).toContain('`' + text + '`')
    expect(section('PAE: the signed bytes')).toContain(`is the ${bytes.length} bytes`)
  })
})

describe('PROTOCOL.md §10 Message v1', () => {
  const text = section('Message v1')

  it('names every kind, TLP label and defined handling code', () => {
    for (const v of [...MESSAGE_KINDS, ...TLP_LEVELS, ...HANDLING_CODES]) expect(text).toContain('`' + v + '`')
  })

  it('has a row for every member the example message has, and for inReplyTo and taskForce', () => {
    const members = [...text.matchAll(/^\| `(\w+)` \|/gm)].map(m => m[1])
    expect(members).toEqual([...Object.keys(buildExample().message).filter(k => k !== 'body'), 'inReplyTo', 'taskForce', 'body'])
  })

  // The regexes quoted in the member table, checked against the validator on generated input.
  const example = buildExample().message
  const quotedRegex = (member: string): RegExp => {
    const row = text.split('\n').find(l => l.startsWith(`| \`${member}\` |`))
    const m = row == null ? null : /`(\^[^`]+\$)`/.exec(row)
    if (m == null) throw new Error(`no regex quoted for ${member}`)
    return new RegExp(m[1])
  }
  const accepts = (patch: Record<string, unknown>): boolean => {
    try {
      validateMessage({ ...example, ...patch })
      return true
    } catch {
      return false
    }
  }
  const cases: Array<[string, string, (s: string) => Record<string, unknown>, number]> = [
    ['topic', 'abcz09-', s => ({ topic: s }), limits.MAX_SLUG_LENGTH],
    ['legalBasis', 'aZ09._:/- é', s => ({ legalBasis: s }), limits.MAX_LEGAL_BASIS_LENGTH],
    ['handling', 'x-az09', s => ({ handling: [s] }), limits.MAX_SLUG_LENGTH]
  ]
  for (const [member, alphabet, patch, maxLength] of cases) {
    it(`the ${member} regex it quotes, with its length limit, is exactly what validateMessage accepts`, () => {
      const regex = quotedRegex(member)
      const chars = fc.constantFrom(...alphabet)
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: chars, maxLength: 12 }),
            fc.stringMatching(regex),
            fc.string({ unit: chars, minLength: maxLength - 2, maxLength: maxLength + 2 })
          ),
          (s) => {
            const documented = regex.test(s) && s.length <= maxLength
            expect(accepts(patch(s)), JSON.stringify(s)).toBe(documented)
          }
        ),
        { numRuns: 400 }
      )
    })
  }
})

describe('PROTOCOL.md §4 UUIDv7 regex', () => {
  it('is exactly what validateMessage accepts for id', () => {
    const m = /`(\^\[0-9a-f\]\{8\}[^`]+\$)`/.exec(section('Field formats'))
    expect(m).not.toBeNull()
    const regex = new RegExp(m![1])
    const example = buildExample().message
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), fc.stringMatching(regex), fc.uuid().map(u => u.toUpperCase())), (id) => {
        let ok = true
        try {
          validateMessage({ ...example, id })
        } catch {
          ok = false
        }
        expect(ok).toBe(regex.test(id))
      }),
      { numRuns: 300 }
    )
  })
})

// ---- §7: the Ed25519 verdict table ----

interface SpeccheckCase {
  message: string
  pub_key: string
  signature: string
}
const speccheck = JSON.parse(readFileSync(new URL('../vectors/speccheck/cases.json', import.meta.url), 'utf8')) as SpeccheckCase[]
const hexBytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

/** Case number → [plain OpenSSL 3.0 accepts, Liaison accepts], from the §7 table. */
function verdictTable (): Map<number, [boolean, boolean]> {
  const rows = new Map<number, [boolean, boolean]>()
  for (const line of section('Signatures: Ed25519, and exactly which ones verify').split('\n')) {
    const m = /^\|\s*(\d+)\s*\|.*\|\s*(accepts|rejects)\s*\|\s*\**(accepts|rejects)\**[^|]*\|\s*$/.exec(line)
    if (m != null) rows.set(Number(m[1]), [m[2] === 'accepts', m[3] === 'accepts'])
  }
  return rows
}

function openssl3 (): string | undefined {
  try {
    const version = execFileSync('openssl', ['version'], { encoding: 'utf8' })
    return /^OpenSSL 3\./.test(version) ? version.trim() : undefined
  } catch {
    return undefined
  }
}

describe('PROTOCOL.md §7 speccheck verdict table', () => {
  const table = verdictTable()

  it('has a row for each of the 12 cases', () => {
    expect([...table.keys()]).toEqual(speccheck.map((_, i) => i))
  })

  it('gives the verdicts of node:crypto and nobleVerify in its Liaison column', () => {
    speccheck.forEach((c, i) => {
      const args = [hexBytes(c.pub_key), hexBytes(c.message), hexBytes(c.signature)] as const
      expect(opensslVerify(...args), `case ${i}`).toBe(table.get(i)![1])
      expect(nobleVerify(...args), `case ${i}`).toBe(table.get(i)![1])
    })
  })

  const version = openssl3()
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it.skipIf(version === undefined)(
    `gives the verdicts of the openssl command line in its plain OpenSSL column${
      version === undefined ? ' (SKIPPED: no OpenSSL 3 openssl on PATH)' : ` (${version})`
    }`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'liaison-speccheck-'))
      dirs.push(dir)
      speccheck.forEach((c, i) => {
        writeFileSync(join(dir, 'pub.pem'), publicKeyToSpkiPem(hexBytes(c.pub_key)))
        writeFileSync(join(dir, 'msg.bin'), hexBytes(c.message))
        writeFileSync(join(dir, 'sig.bin'), hexBytes(c.signature))
        let accepted: boolean
        try {
          execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'msg.bin', '-sigfile', 'sig.bin'], {
            cwd: dir,
            stdio: 'pipe'
          })
          accepted = true
        } catch {
          accepted = false
        }
        expect(accepted, `case ${i}`).toBe(table.get(i)![0])
      })
    }
  )
})

describe('PROTOCOL.md structure', () => {
  it('has every section its contents list names, in that order', () => {
    const listed = [...section('Overview').length > 0 ? doc.slice(doc.indexOf('## Contents'), doc.indexOf('## 1. Overview')).matchAll(/^(\d+)\. (.+)$/gm) : []]
    expect(listed.length).toBeGreaterThan(10)
    const headings = [...doc.matchAll(/^## (\d+)\. (.+)$/gm)].map(m => `${m[1]}. ${m[2]}`)
    expect(headings).toEqual(listed.map(m => `${m[1]}. ${m[2]}`))
  })

  it('refers only to sections that exist (§n)', () => {
    const count = [...doc.matchAll(/^## (\d+)\. /gm)].length
    for (const m of doc.matchAll(/§(\d+)/g)) expect(Number(m[1]), m[0]).toBeLessThanOrEqual(count)
  })
})
