/**
 * The OASIS STIX 2.1 JSON schemas (oasis/, copied unchanged with their license and SOURCE.md),
 * compiled once with ajv (draft 2020-12) and ajv-formats. Every schema is added under its own
 * `$id`, so the `$ref`s between them resolve to these files: nothing is ever fetched (no
 * `loadSchema`). This is the one module of protocol/ that reads files: the schema data ships
 * with the code and is read once, on first use, as an import would be.
 *
 * Two patterns in the schemas backtrack exponentially in JavaScript's regex engine on hostile
 * input (`type` of core.json: `^([a-z][a-z0-9]*)+…` takes seconds for 28 letters and a `!`).
 * The compiler is handed a linear-time regex that accepts exactly the same strings for those
 * (SAFE_PATTERNS; a unit test checks the equivalence); every other pattern is used as written.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

/** The `$id` prefix of the STIX 2.1 schemas. */
export const SCHEMA_BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/'
export const BUNDLE_SCHEMA_ID = SCHEMA_BASE + 'common/bundle.json'
const SCHEMA_DIRS = ['common', 'sdos', 'sros', 'observables']

/** Schema pattern → an equivalent pattern without nested quantifiers. */
export const SAFE_PATTERNS: Readonly<Record<string, string>> = {
  // `([a-z][a-z0-9]*)+` matches the same strings as `[a-z][a-z0-9]*`.
  '^([a-z][a-z0-9]*)+(-[a-z0-9]+)*\\-?$': '^[a-z][a-z0-9]*(-[a-z0-9]+)*-?$'
}

/** The folder holding the copied OASIS data, from the sources or from dist/. */
export function oasisDir (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'protocol', 'stix', 'oasis')
    if (existsSync(join(candidate, 'schemas'))) return candidate
    if (existsSync(join(dir, 'oasis', 'schemas'))) return join(dir, 'oasis')
    const up = dirname(dir)
    if (up === dir) throw new Error('the OASIS STIX schemas (protocol/stix/oasis/schemas) are missing')
    dir = up
  }
}

/** A compiler loaded with every STIX 2.1 schema under its `$id`. */
export function createStixAjv (extra: readonly object[] = []): Ajv2020 {
  const ajv = new Ajv2020({
    strict: false,
    allErrors: false,
    unicodeRegExp: false,
    logger: false,
    code: { regExp: ((source: string, flags: string) => new RegExp(SAFE_PATTERNS[source] ?? source, flags)) as never }
  })
  const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void
  addFormats(ajv)
  const root = join(oasisDir(), 'schemas')
  for (const sub of SCHEMA_DIRS) {
    for (const file of readdirSync(join(root, sub)).sort()) {
      if (file.endsWith('.json')) ajv.addSchema(JSON.parse(readFileSync(join(root, sub, file), 'utf8')) as object)
    }
  }
  for (const schema of extra) ajv.addSchema(schema)
  return ajv
}

let compiled: { ajv: Ajv2020, bundle: ValidateFunction } | undefined

/** The shared compiler and the bundle validator, built on first use (~0.2 s). */
export function stixValidators (): { ajv: Ajv2020, bundle: ValidateFunction } {
  if (compiled == null) {
    const ajv = createStixAjv()
    compiled = { ajv, bundle: ajv.getSchema(BUNDLE_SCHEMA_ID) as ValidateFunction }
  }
  return compiled
}

/** The validator of one object type's own schema, if the specification defines the type. */
export function objectValidator (type: string): ValidateFunction | undefined {
  const { ajv } = stixValidators()
  if (type === 'marking-definition' || type === 'language-content') return ajv.getSchema(`${SCHEMA_BASE}common/${type}.json`)
  for (const sub of ['sdos', 'sros', 'observables']) {
    const v = ajv.getSchema(`${SCHEMA_BASE}${sub}/${type}.json`)
    if (v != null) return v
  }
  return undefined
}
