/**
 * STIX 2.1 content in Liaison messages (PROTOCOL.md §10.2): a message whose `body` is a STIX
 * bundle is validated against the OASIS STIX 2.1 JSON schemas (`STIX_INVALID`, naming the
 * JSON path of the first error) and its TLP markings are enforced (`MARKING_CONFLICT`).
 *
 * ```ts
 * import { checkStixBody } from './protocol/stix/index.ts'
 * checkStixBody(message.body, message.tlp)   // throws ProtocolError
 * ```
 *
 * @module
 */
import type { Tlp } from '../types.ts'
import { checkMarkings, type StixObject } from './markings.ts'
import { isStixBundle, validateStixBundle } from './validate.ts'

export { isStixBundle, validateStixBundle } from './validate.ts'
export { checkMarkings, markingRefs, objectTlp, tlpResolver, withInheritedTlp, type StixObject } from './markings.ts'
export { OPENCTI_AMBER_STRICT_ID, TLP1_MARKING_IDS, TLP2_MARKING_IDS, TLP_BY_MARKING_ID, TLP_EXTENSION_ID, tlpOfDefinition } from './tlp-markings.ts'
export { pointerToJsonPath } from './json-path.ts'
export { createStixAjv, oasisDir, SAFE_PATTERNS, SCHEMA_BASE } from './schemas.ts'

/** For a message body: when it is a STIX bundle, validate it and enforce its markings. */
export function checkStixBody (body: unknown, messageTlp: Tlp): void {
  if (!isStixBundle(body)) return
  validateStixBundle(body)
  checkMarkings((body.objects ?? []) as StixObject[], messageTlp)
}
