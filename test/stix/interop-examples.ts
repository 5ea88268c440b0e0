/**
 * One STIX 2.1 bundle per object type of the OASIS interoperability profile
 * (protocol/stix/oasis/interop/, one schema per type). The copied set holds the profile's
 * schemas, not example documents, so the examples are ours: each is checked against the
 * OASIS bundle schema and against its type's interop schema (test/unit/stix.test.ts) before
 * the e2e test round-trips it A → B.
 *
 * @module
 */
import { TLP1_MARKING_IDS } from '../../protocol/stix/index.ts'

const IDENTITY = 'identity--311b2d2d-f010-4473-83ec-1edf84858f4c'
const T = '2026-01-15T09:30:00.000Z'
const identity = { type: 'identity', spec_version: '2.1', id: IDENTITY, created: T, modified: T, name: 'Example Agency', identity_class: 'organization' }
const common = (type: string, uuid: string): Record<string, unknown> => ({
  type,
  spec_version: '2.1',
  id: `${type}--${uuid}`,
  created: T,
  modified: T,
  created_by_ref: IDENTITY,
  object_marking_refs: [TLP1_MARKING_IDS.GREEN]
})
const ref = 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'
const ext = [{ source_name: 'capec', external_id: 'CAPEC-163' }]

/** type → the object of that type the example bundle carries. */
export const INTEROP_OBJECTS: Record<string, Record<string, unknown>> = {
  'attack-pattern': {
    ...common('attack-pattern', '7e33a43e-e34b-40ec-89da-36c9bb2cacd5'),
    name: 'Spear Phishing as Practiced by Adversary X',
    external_references: ext,
    kill_chain_phases: [{ kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: 'delivery' }]
  },
  campaign: {
    ...common('campaign', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'),
    name: 'Green Group Attacks Against Finance',
    description: 'Campaign by Green Group against a series of targets in the financial services sector.'
  },
  'course-of-action': {
    ...common('course-of-action', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'),
    name: 'Add TCP port 80 Filter Rule to the existing Block UDP 1434 Filter',
    description: 'This is how to add a filter rule to block inbound access to TCP port 80 to the existing UDP 1434 filter ...'
  },
  grouping: {
    ...common('grouping', '84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3'),
    name: 'The Black Vine Cyberespionage Group',
    context: 'suspicious-activity',
    object_refs: [ref]
  },
  indicator: {
    ...common('indicator', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'),
    name: 'Poison Ivy Malware',
    indicator_types: ['malicious-activity'],
    pattern: "[file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']",
    pattern_type: 'stix',
    valid_from: '2016-01-01T00:00:00Z'
  },
  infrastructure: { ...common('infrastructure', '38c47d93-d984-4fd9-b87b-d69d0841628d'), name: 'Poison Ivy C2', infrastructure_types: ['command-and-control'] },
  'intrusion-set': {
    ...common('intrusion-set', '4e78f46f-a023-4e5f-bc24-71b3ca22ec29'),
    name: 'Bobcat Breakin',
    resource_level: 'organization',
    primary_motivation: 'ideology'
  },
  location: { ...common('location', 'a6e9345f-5a15-4c29-8bb3-7dcc5d168d64'), name: 'Western Europe', region: 'western-europe' },
  'malware-analysis': {
    ...common('malware-analysis', 'd25167b7-fed0-4068-9ccd-a73dd2c5b07c'),
    product: 'microsoft',
    version: '5.1.0',
    submitted: T,
    analysis_started: T,
    analysis_ended: T,
    result: 'malicious',
    analysis_sco_refs: ['file--6b0d82e0-63e6-5a3c-8b5e-2f4d9f3cfe1d']
  },
  malware: {
    ...common('malware', '0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'),
    name: 'Cryptolocker',
    malware_types: ['ransomware'],
    is_family: false,
    first_seen: '2015-01-01T00:00:00Z',
    last_seen: '2016-01-01T00:00:00Z',
    architecture_execution_envs: ['x86'],
    implementation_languages: ['c'],
    capabilities: ['encrypts-files']
  },
  note: {
    ...common('note', '0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'),
    abstract: 'Tracking Team Note#1',
    content: 'This note indicates the various steps taken by the threat analyst team to investigate this.',
    object_refs: [ref]
  },
  'observed-data': {
    ...common('observed-data', 'b67d30ff-02ac-498a-92f9-32f845f448cf'),
    first_observed: '2015-12-21T19:00:00Z',
    last_observed: '2015-12-21T19:00:00Z',
    number_observed: 50,
    object_refs: ['ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8']
  },
  opinion: {
    ...common('opinion', 'b01efc25-77b4-4003-b18b-f6e24b5cd9f7'),
    explanation: "This doesn't seem like it is feasible.",
    opinion: 'strongly-disagree',
    object_refs: ['relationship--16d2358f-3b0d-4c88-b047-0da2f7ed4471']
  },
  relationship: {
    ...common('relationship', '44298a74-ba52-4f0c-87a3-1824e67d7fad'),
    relationship_type: 'indicates',
    source_ref: ref,
    target_ref: 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'
  },
  report: {
    ...common('report', '84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3'),
    name: 'The Black Vine Cyberespionage Group',
    report_types: ['campaign'],
    published: '2016-01-20T17:00:00.000Z',
    object_refs: [ref]
  },
  sighting: {
    ...common('sighting', 'ee20065d-2555-424f-ad9e-0f8428623c75'),
    first_seen: '2015-12-21T19:00:00Z',
    last_seen: '2015-12-21T19:00:00Z',
    count: 3,
    sighting_of_ref: ref
  },
  'threat-actor': {
    ...common('threat-actor', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'),
    name: 'Evil Org',
    threat_actor_types: ['crime-syndicate'],
    roles: ['agent'],
    sophistication: 'advanced',
    resource_level: 'organization',
    primary_motivation: 'personal-gain'
  },
  tool: { ...common('tool', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'), name: 'VNC', tool_types: ['remote-access'] },
  vulnerability: {
    ...common('vulnerability', '0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'),
    name: 'CVE-2016-1234',
    external_references: [{ source_name: 'cve', external_id: 'CVE-2016-1234' }]
  }
}

/**
 * Required members of the interop schemas that are misspelled upstream (no conforming object
 * could carry them): the interop check drops exactly these from `required`.
 */
export const UPSTREAM_TYPOS: Record<string, string[]> = {
  malware: ['architecture_exectuion_envs', 'capabiliites'],
  vulnerability: ['external_references:']
}

/** The example bundle of one type: the identity that created it, then the object. */
export function interopBundle (type: string, n = 0): Record<string, unknown> {
  const hex = (n + 1).toString(16).padStart(12, '0')
  return { type: 'bundle', id: `bundle--5d0092c5-5f74-4287-9642-${hex}`, objects: [identity, INTEROP_OBJECTS[type]] }
}
