/**
 * TLP marking-definition ids and what they mean, as STIX tools emit them: the five TLP 2.0
 * definitions (OASIS extension `extension-definition--60a3c5c5-…`), STIX 2.1's built-in TLP
 * 1.0 definitions (spec §7.2.1.4; MISP emits them for tlp:white/green/amber/red), and
 * OpenCTI's own id for TLP:AMBER+STRICT. TLP 1.0 WHITE is TLP 2.0 CLEAR (FIRST's mapping).
 *
 * @module
 */
import type { Tlp } from '../types.ts'

export const TLP_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d'

/** The TLP 2.0 marking definition of each label (what a node adds on export). */
export const TLP2_MARKING_IDS: Readonly<Record<Tlp, string>> = {
  CLEAR: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  GREEN: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  AMBER: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'AMBER+STRICT': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  RED: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1'
}

/** STIX 2.1's TLP 1.0 marking definitions. */
export const TLP1_MARKING_IDS = {
  WHITE: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  GREEN: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  AMBER: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  RED: 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed'
} as const

/** OpenCTI's TLP:AMBER+STRICT (it maps TLP:CLEAR to the TLP 1.0 WHITE id). */
export const OPENCTI_AMBER_STRICT_ID = 'marking-definition--826578e1-40ad-459f-bc73-ede076f81f37'

/** Every known TLP marking id → its TLP 2.0 label. */
export const TLP_BY_MARKING_ID: ReadonlyMap<string, Tlp> = new Map<string, Tlp>([
  ...Object.entries(TLP2_MARKING_IDS).map(([tlp, id]) => [id, tlp as Tlp] as const),
  [TLP1_MARKING_IDS.WHITE, 'CLEAR'],
  [TLP1_MARKING_IDS.GREEN, 'GREEN'],
  [TLP1_MARKING_IDS.AMBER, 'AMBER'],
  [TLP1_MARKING_IDS.RED, 'RED'],
  [OPENCTI_AMBER_STRICT_ID, 'AMBER+STRICT']
])

const LABELS: Readonly<Record<string, Tlp>> = { white: 'CLEAR', clear: 'CLEAR', green: 'GREEN', amber: 'AMBER', 'amber+strict': 'AMBER+STRICT', red: 'RED' }

/**
 * The TLP label a marking-definition object defines, if it defines one: TLP 1.0 form
 * (`definition_type: "tlp"`, `definition.tlp`) or the TLP 2.0 extension (`tlp_2_0`).
 */
export function tlpOfDefinition (object: Record<string, unknown>): Tlp | undefined {
  if (object.type !== 'marking-definition') return undefined
  const definition = object.definition as Record<string, unknown> | undefined
  if (object.definition_type === 'tlp' && typeof definition?.tlp === 'string') return LABELS[definition.tlp.toLowerCase()]
  const ext = (object.extensions as Record<string, Record<string, unknown>> | undefined)?.[TLP_EXTENSION_ID]
  if (typeof ext?.tlp_2_0 === 'string') return LABELS[ext.tlp_2_0.toLowerCase()]
  return undefined
}
