/**
 * Markings are enforced, not decorative. A message's TLP must be at least as restrictive as
 * the most restrictive TLP marking any object of its bundle carries (in `object_marking_refs`
 * or a granular marking's `marking_ref`), by any of the ids in tlp-markings.ts or by a TLP
 * marking definition inside the bundle itself; otherwise MARKING_CONFLICT. Objects without a
 * TLP marking inherit the message's; a node exporting them to a tool writes that down by
 * adding the TLP 2.0 marking of the message (`withInheritedTlp`).
 *
 * @module
 */
import { ProtocolError } from '../errors.ts'
import { TLP_LEVELS, type Tlp } from '../types.ts'
import { TLP2_MARKING_IDS, TLP_BY_MARKING_ID, tlpOfDefinition } from './tlp-markings.ts'

export type StixObject = Record<string, unknown>

const rank = (tlp: Tlp): number => TLP_LEVELS.indexOf(tlp)

/** The marking ids an object refers to (object and granular markings). */
export function markingRefs (object: StixObject): string[] {
  const refs: string[] = []
  if (Array.isArray(object.object_marking_refs)) { for (const r of object.object_marking_refs) if (typeof r === 'string') refs.push(r) }
  if (Array.isArray(object.granular_markings)) {
    for (const g of object.granular_markings) {
      const ref = (g as { marking_ref?: unknown } | null)?.marking_ref
      if (typeof ref === 'string') refs.push(ref)
    }
  }
  return refs
}

/** The marking ids of a bundle that mean a TLP label: the known ids plus its own TLP definitions. */
export function tlpResolver (objects: readonly StixObject[]): (ref: string) => Tlp | undefined {
  const local = new Map<string, Tlp>()
  for (const o of objects) {
    const tlp = tlpOfDefinition(o)
    if (tlp != null && typeof o.id === 'string') local.set(o.id, tlp)
  }
  return (ref) => TLP_BY_MARKING_ID.get(ref) ?? local.get(ref)
}

/** The most restrictive TLP marking on an object, if any. */
export function objectTlp (object: StixObject, resolve: (ref: string) => Tlp | undefined): { tlp: Tlp, ref: string } | undefined {
  let best: { tlp: Tlp, ref: string } | undefined
  for (const ref of markingRefs(object)) {
    const tlp = resolve(ref)
    if (tlp != null && (best == null || rank(tlp) > rank(best.tlp))) best = { tlp, ref }
  }
  return best
}

/** Throws MARKING_CONFLICT when an object is marked more restrictively than the message. */
export function checkMarkings (objects: readonly StixObject[], messageTlp: Tlp): void {
  const resolve = tlpResolver(objects)
  for (let i = 0; i < objects.length; i++) {
    const marked = objectTlp(objects[i], resolve)
    if (marked != null && rank(marked.tlp) > rank(messageTlp)) {
      throw new ProtocolError(
        'MARKING_CONFLICT',
        `$.objects[${i}] (${String(objects[i].id)}) is marked TLP:${marked.tlp} (${marked.ref}); the message's TLP ${messageTlp} is less restrictive`
      )
    }
  }
}

/**
 * The object as exported to a tool: unchanged when it carries a TLP marking (or is itself a
 * marking definition), else with the message's TLP 2.0 marking appended to
 * `object_marking_refs`. Never modifies its argument.
 */
export function withInheritedTlp (object: StixObject, messageTlp: Tlp, resolve: (ref: string) => Tlp | undefined): StixObject {
  if (object.type === 'marking-definition' || objectTlp(object, resolve) != null) return object
  const refs = Array.isArray(object.object_marking_refs) ? object.object_marking_refs : []
  return { ...object, object_marking_refs: [...refs, TLP2_MARKING_IDS[messageTlp]] }
}
