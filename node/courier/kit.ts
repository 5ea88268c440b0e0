/**
 * The revocation kit: everything `liaison keys revoke` needs to tell every peer "stop trusting
 * this key" when the node itself is gone — the revocation certificate (signed in advance by the
 * key it revokes), the courier key that may deliver it, and where the peers are. One file per
 * identity key, `DIR/revocation/<peerId>.kit.json`, mode 0600, written when the key is made
 * (init, rotation) and rewritten atomically whenever the trust list changes and at each start,
 * so the peer list stays current. The operator copies it offline, like an OpenPGP revocation
 * certificate (docs/operations.md; format: PROTOCOL.md §9.1).
 *
 * The courier key's only power is delivering certificates: a peer admits its connection for
 * `/liaison/revoke/1.0.0` alone, and accepts only certificates signed by the revoked key itself.
 * A thief who holds the kit can revoke the key it names — nothing else.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { open, readFile, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { signerFromSeed } from '../../protocol/keys.ts'
import { isPeerId } from '../../protocol/peer-id.ts'
import { NodeError } from '../errors.ts'
import type { PeerRecord } from '../store/index.ts'

export const KIT_TYPE = 'liaison-revocation-kit'
const KIT_SUFFIX = '.kit.json'

const peerId = z.string().refine(isPeerId, 'not an Ed25519 peer ID')

/** Where a peer of the trust list can be reached. */
const kitPeerSchema = z.strictObject({
  peerId,
  name: z.string().min(1).max(128),
  addresses: z.array(z.string().min(1).max(256)).max(16)
})

/** The kit file (JSON). Schema and documentation at once: PROTOCOL.md §9.1 mirrors it. */
export const kitSchema = z.strictObject({
  v: z.literal(1),
  type: z.literal(KIT_TYPE),
  /** The identity the certificate revokes. */
  peerId,
  /** The revocation certificate: its envelope's JSON text, byte for byte. */
  certificate: z.string().min(1).max(16 * 1024),
  /** The courier key: its peer ID and its 32-byte Ed25519 seed (base64). */
  courier: z.strictObject({ peerId, seed: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, '32 bytes, base64') }),
  /** Every peer on the trust list when the kit was last written. */
  peers: z.array(kitPeerSchema).max(10_000),
  /** When the kit was last written (RFC 3339). */
  updated: z.iso.datetime()
})

export type RevocationKit = z.infer<typeof kitSchema>
export type KitPeer = z.infer<typeof kitPeerSchema>

export function kitPath (revocationDir: string, identity: string): string {
  return join(revocationDir, `${identity}${KIT_SUFFIX}`)
}

/** The peers a kit lists: every record of the trust list, with its addresses. */
export function kitPeers (records: readonly PeerRecord[]): KitPeer[] {
  return records.map(r => ({ peerId: r.peerId, name: r.name, addresses: r.addresses.slice(0, 16) }))
}

/** Check a kit's text: schema, and a courier seed that matches its peer ID. KIT_INVALID otherwise. */
export function parseKit (text: string): RevocationKit {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new NodeError('KIT_INVALID', 'the revocation kit is not JSON', { cause: err })
  }
  const parsed = kitSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new NodeError('KIT_INVALID', `invalid revocation kit: ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  if (courierSigner(parsed.data).peerId !== parsed.data.courier.peerId) {
    throw new NodeError('KIT_INVALID', 'invalid revocation kit: the courier seed does not match courier.peerId')
  }
  return parsed.data
}

/** Whether a file's text is a kit (rather than a bare certificate envelope). */
export function looksLikeKit (text: string): boolean {
  try {
    return (JSON.parse(text) as { type?: unknown } | null)?.type === KIT_TYPE
  } catch {
    return false
  }
}

export function courierSigner (kit: RevocationKit): ReturnType<typeof signerFromSeed> {
  return signerFromSeed(courierSeed(kit))
}

export function courierSeed (kit: RevocationKit): Uint8Array {
  return new Uint8Array(Buffer.from(kit.courier.seed, 'base64'))
}

/** Make the kit of a new identity key: a fresh courier key, the certificate, the peers known now. */
export async function writeNewKit (revocationDir: string, identity: string, certificate: Uint8Array, peers: KitPeer[], now: Date): Promise<RevocationKit> {
  const seed = randomBytes(32)
  const kit: RevocationKit = {
    v: 1,
    type: KIT_TYPE,
    peerId: identity,
    certificate: Buffer.from(certificate).toString('utf8'),
    courier: { peerId: signerFromSeed(seed).peerId, seed: seed.toString('base64') },
    peers,
    updated: now.toISOString()
  }
  await writeKit(revocationDir, kit)
  return kit
}

/** The courier peer ID of `identity`'s kit in `revocationDir`, if the kit is there. */
export async function courierOf (revocationDir: string, identity: string): Promise<string | undefined> {
  try {
    return parseKit(await readFile(kitPath(revocationDir, identity), 'utf8')).courier.peerId
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** Rewrite the peer list of every kit in `revocationDir` (atomically; the rest is unchanged). */
export async function refreshKits (revocationDir: string, peers: KitPeer[], now: Date): Promise<number> {
  let names: string[]
  try {
    names = (await readdir(revocationDir)).filter(n => n.endsWith(KIT_SUFFIX))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  for (const name of names) {
    const kit = parseKit(await readFile(join(revocationDir, name), 'utf8'))
    await writeKit(revocationDir, { ...kit, peers, updated: now.toISOString() })
  }
  return names.length
}

/** Write a kit: temp file (0600, synced), then rename over the old one — never half-written. */
async function writeKit (revocationDir: string, kit: RevocationKit): Promise<void> {
  const file = kitPath(revocationDir, kit.peerId)
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`
  const handle = await open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(JSON.stringify(kit, null, 2) + '\n')
    await handle.sync()
  } catch (err) {
    await handle.close()
    await rm(tmp, { force: true })
    throw err
  }
  await handle.close()
  await rename(tmp, file)
}
