/**
 * STIX 2.1 bundle validation against the OASIS schemas, naming the JSON path of the first
 * error.
 *
 * bundle.json (at the copied commit) tries every object type in turn (`anyOf`/`oneOf`), so its
 * own errors mostly say "not an attack-pattern, not a campaign, …", and its list of types
 * lacks five SDOs of the specification (grouping, incident, location, note, opinion), which it
 * then refuses as custom objects. So the bundle is checked in two steps, each with an OASIS
 * schema as written: the bundle without its objects against bundle.json, then each object
 * against its own type's schema (sdos/, sros/, observables/, common/marking-definition.json,
 * common/language-content.json) or, for a type the specification does not define, against
 * bundle.json's rule for custom objects (a one-object bundle).
 *
 * @module
 */
import type { ErrorObject } from 'ajv'
import { ProtocolError } from '../errors.ts'
import { pointerToJsonPath } from './json-path.ts'
import { objectValidator, stixValidators } from './schemas.ts'

/** A message body is a STIX bundle when its `type` is `"bundle"` (PROTOCOL.md §10.2). */
export function isStixBundle (body: unknown): body is { type: 'bundle', id: string, objects?: Array<Record<string, unknown>> } {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && (body as { type?: unknown }).type === 'bundle'
}

function describe (e: ErrorObject, prefix = ''): string {
  const path = pointerToJsonPath(prefix + e.instancePath)
  if (e.keyword === 'required') return `${path}.${String((e.params as { missingProperty: string }).missingProperty)} is missing`
  if (e.keyword === 'additionalProperties') {
    return `${path} has an unknown property ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)}`
  }
  return `${path} ${e.message ?? 'is invalid'}`
}

const fail = (problem: string): never => {
  throw new ProtocolError('STIX_INVALID', `not a valid STIX 2.1 bundle: ${problem}`)
}

/** The most specific of a failed schema's errors: the deepest instance path, first of those. */
function deepest (errors: readonly ErrorObject[]): ErrorObject {
  return [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]
}

/**
 * Objects that passed their own type's schema and were deep-frozen then (`freeze`): being
 * frozen, they cannot have changed since, so a later check of a bundle holding them skips
 * them. A TAXII POST is validated whole before it is split into messages (so that nothing is
 * sent unless all of it is valid), and each message is validated again when it is built;
 * this spares the second pass over the same objects.
 */
const validated = new WeakSet<object>()

function deepFreeze (value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return
  for (const v of Object.values(value)) deepFreeze(v)
  Object.freeze(value)
}

/**
 * Throws ProtocolError('STIX_INVALID') naming the JSON path of the first error. With `freeze`,
 * the objects of a valid bundle are deep-frozen and remembered as valid (see `validated`).
 */
export function validateStixBundle (bundle: unknown, options: { freeze?: boolean } = {}): void {
  if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle)) fail('$ must be object')
  const { bundle: validateBundle } = stixValidators()
  const { objects: given, ...head } = bundle as Record<string, unknown>
  if (!validateBundle(head)) fail(describe((validateBundle.errors ?? [])[0]))
  if (given === undefined) return
  if (!Array.isArray(given)) return fail('$.objects must be array')
  const objects: unknown[] = given
  if (objects.length === 0) fail('$.objects must NOT have fewer than 1 items')
  for (let i = 0; i < objects.length; i++) {
    const object = objects[i] as { type?: unknown }
    if (typeof object === 'object' && object !== null && validated.has(object)) continue
    const own = typeof object?.type === 'string' ? objectValidator(object.type) : undefined
    if (own != null) {
      if (!own(object)) fail(describe((own.errors ?? [])[0], `/objects/${i}`))
      continue
    }
    if (!validateBundle({ ...head, objects: [object] })) {
      const e = deepest(validateBundle.errors ?? [])
      fail(describe({ ...e, instancePath: e.instancePath.replace(/^\/objects\/0/, '') }, `/objects/${i}`))
    }
  }
  if (options.freeze !== true) return
  for (const object of objects) {
    if (typeof object !== 'object' || object === null) continue
    deepFreeze(object)
    validated.add(object)
  }
}
