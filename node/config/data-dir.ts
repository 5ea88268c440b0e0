/**
 * The data directory: what lives where, creating it (`liaison init`), and loading the
 * identity. Layout:
 *
 *   DIR/               mode 0700
 *   DIR/identity.key   PKCS#8 PEM Ed25519 private key, mode 0600 — the signing key AND the libp2p key
 *   DIR/config.json    node configuration (config.ts)
 *   DIR/policy.json    node policy (node/policy/node-policy.ts); absent = defaults
 *   DIR/identity-next.key  during a key rotation: the new key, until the switch (mode 0600)
 *   DIR/keys/          retired identity keys (<peerId>.key, 0600) and history.json
 *   DIR/revocation/    revocation certificates (<peerId>.revocation.json, 0600): one per identity
 *                      key, written when the key is made; move them offline (docs/operations.md)
 *                      and revocation kits (<peerId>.kit.json, 0600): certificate, courier key and
 *                      the peers' addresses, for `liaison keys revoke` (node/courier/kit.ts)
 *   DIR/api-token      bearer token of the local API, mode 0600
 *   DIR/store/         LevelDB: messages, receipts, outbox, trust list, audit log
 *   DIR/node.json      runtime file written by a running node (addresses, API URL, pid)
 *
 * @module
 */
import { randomBytes, createPrivateKey } from 'node:crypto'
import { mkdir, open, readFile, rename, stat, writeFile, chmod } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fastSigner } from '../../protocol/ed25519-fast.ts'
import { generateSigner, signerFromPkcs8Pem } from '../../protocol/keys.ts'
import type { Signer } from '../../protocol/types.ts'
import { signRevocation } from '../../protocol/revocation.ts'
import { encodeEnvelope } from '../../protocol/envelope.ts'
import { uuidV7 } from '../../protocol/uuid.ts'
import { writeNewKit, type KitPeer } from '../courier/kit.ts'
import { DEFAULT_LISTEN } from '../defaults.ts'
import { NodeError } from '../errors.ts'
import { validateConfig } from './config.ts'

export interface DataDirPaths {
  root: string
  identity: string
  config: string
  policy: string
  token: string
  store: string
  runtime: string
  nextIdentity: string
  keysDir: string
  keyHistory: string
  revocationDir: string
}

export function dataDirPaths (dir: string): DataDirPaths {
  const root = resolve(dir)
  return {
    root,
    identity: join(root, 'identity.key'),
    config: join(root, 'config.json'),
    policy: join(root, 'policy.json'),
    token: join(root, 'api-token'),
    store: join(root, 'store'),
    runtime: join(root, 'node.json'),
    nextIdentity: join(root, 'identity-next.key'),
    keysDir: join(root, 'keys'),
    keyHistory: join(root, 'keys', 'history.json'),
    revocationDir: join(root, 'revocation')
  }
}

export interface InitOptions {
  name: string
  listen?: string[]
  /** ISO 3166-1 alpha-2 code, written to config.json (shown on the trust card). */
  jurisdiction?: string
}

/**
 * Create identity, config and API token. Refuses to touch an existing identity. The store is
 * created by its first open.
 */
export async function initDataDir (dir: string, opts: InitOptions): Promise<{ peerId: string, paths: DataDirPaths }> {
  const paths = dataDirPaths(dir)
  const config = validateConfig({
    name: opts.name,
    listen: opts.listen ?? DEFAULT_LISTEN,
    ...(opts.jurisdiction != null ? { jurisdiction: opts.jurisdiction } : {})
  }, 'init options')
  if (await isInitialised(dir)) throw new NodeError('ALREADY_INITIALISED', `${paths.identity} already exists; refusing to overwrite an identity`)
  await mkdir(paths.root, { recursive: true, mode: 0o700 })
  await chmod(paths.root, 0o700)
  const signer = await writeNewKey(
    paths.identity,
    () => new NodeError('ALREADY_INITIALISED', `${paths.identity} already exists; refusing to overwrite an identity`)
  )
  await writeRevocationCertificate(dir, signer, new Date())
  await writeFile(
    paths.config,
    JSON.stringify({ name: config.name, listen: config.listen, ...(config.jurisdiction != null ? { jurisdiction: config.jurisdiction } : {}) }, null, 2) + '\n',
    { mode: 0o644 }
  )
  await writeFile(paths.token, randomBytes(32).toString('base64url') + '\n', { mode: 0o600 })
  return { peerId: signer.peerId, paths }
}

export async function isInitialised (dir: string): Promise<boolean> {
  try {
    await stat(dataDirPaths(dir).identity)
    return true
  } catch {
    return false
  }
}

export interface Identity {
  signer: Signer
  /** The 32-byte Ed25519 seed, for building the libp2p private key. Never logged. */
  seed: Uint8Array
}

export async function loadIdentity (dir: string): Promise<Identity> {
  const paths = dataDirPaths(dir)
  let pem: string
  try {
    pem = await readFile(paths.identity, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NodeError('NOT_INITIALISED', `${paths.root} holds no identity; run: liaison init --data-dir ${paths.root} --name NAME`)
    }
    throw err
  }
  const signer = signerFromPkcs8Pem(pem)
  const jwk = createPrivateKey(pem).export({ format: 'jwk' })
  if (jwk.d == null) throw new NodeError('NOT_INITIALISED', `${paths.identity} is not an Ed25519 private key`)
  const seed = new Uint8Array(Buffer.from(jwk.d, 'base64url'))
  // libsodium signs the same bytes about twice as fast (protocol/ed25519-fast.ts).
  return { signer: fastSigner(signer, seed), seed }
}

export async function readApiToken (dir: string): Promise<string> {
  return (await readFile(dataDirPaths(dir).token, 'utf8')).trim()
}

/** One identity this node has had; the current one has no `validUntil`. */
export interface OwnKey {
  peerId: string
  validFrom: string
  validUntil?: string
}

export async function loadKeyHistory (dir: string): Promise<OwnKey[]> {
  try {
    return JSON.parse(await readFile(dataDirPaths(dir).keyHistory, 'utf8')) as OwnKey[]
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

/** Create the next identity key for a rotation; refuses if one is already pending. */
export async function createNextIdentity (dir: string, peers: KitPeer[] = []): Promise<Signer> {
  const paths = dataDirPaths(dir)
  const next = await writeNewKey(paths.nextIdentity, () => new NodeError('BAD_ARGUMENT', `a key rotation is already pending (${paths.nextIdentity})`))
  await writeRevocationCertificate(dir, next, new Date(), peers)
  return next
}

/** Where the revocation certificate of `peerId` is written. */
export function revocationCertificatePath (dir: string, peerId: string): string {
  return join(dataDirPaths(dir).revocationDir, `${peerId}.revocation.json`)
}

/**
 * Sign, in advance, the certificate revoking `signer`'s key (protocol/revocation.ts) and write it
 * to DIR/revocation/<peerId>.revocation.json (mode 0600, synced, never overwritten), and the
 * key's revocation kit beside it (a new courier key, the certificate, `peers`).
 */
export async function writeRevocationCertificate (dir: string, signer: Signer, now: Date, peers: KitPeer[] = []): Promise<string> {
  const paths = dataDirPaths(dir)
  await mkdir(paths.revocationDir, { recursive: true, mode: 0o700 })
  const env = signRevocation(signer, { v: 1, id: uuidV7(now.getTime(), randomBytes(10)), peerId: signer.peerId, created: now.toISOString() })
  const file = revocationCertificatePath(dir, signer.peerId)
  const bytes = encodeEnvelope(env)
  const handle = await open(file, 'wx', 0o600)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await writeNewKit(paths.revocationDir, signer.peerId, bytes, peers, now)
  return file
}

/**
 * Generate a key and write it to `file` (PKCS#8 PEM, mode 0600, synced). The file must not
 * exist ('wx'): a key is never overwritten.
 */
async function writeNewKey (file: string, exists: () => Error): Promise<Signer> {
  const { signer, privateKeyPem } = generateSigner()
  let handle
  try {
    handle = await open(file, 'wx', 0o600)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists()
    throw err
  }
  try {
    await handle.writeFile(privateKeyPem)
    await handle.sync()
  } finally {
    await handle.close()
  }
  return signer
}

export async function loadNextIdentity (dir: string): Promise<Signer | undefined> {
  try {
    return signerFromPkcs8Pem(await readFile(dataDirPaths(dir).nextIdentity, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/**
 * Switch to the pending next identity: retire identity.key to keys/<peerId>.key, make the next
 * key current, and record both in keys/history.json. Only ever called on a stopped node.
 */
export async function switchIdentity (dir: string, now: Date): Promise<{ oldPeerId: string, newPeerId: string }> {
  const paths = dataDirPaths(dir)
  const old = await loadIdentity(dir)
  const next = await loadNextIdentity(dir)
  if (next == null) throw new NodeError('NOT_FOUND', 'no key rotation is pending')
  await mkdir(paths.keysDir, { recursive: true, mode: 0o700 })
  const history = await loadKeyHistory(dir)
  const at = now.toISOString()
  const known = history.find(k => k.peerId === old.signer.peerId)
  if (known != null) known.validUntil = at
  else history.push({ peerId: old.signer.peerId, validFrom: '1970-01-01T00:00:00.000Z', validUntil: at })
  history.push({ peerId: next.peerId, validFrom: at })
  await rename(paths.identity, join(paths.keysDir, `${old.signer.peerId}.key`))
  await rename(paths.nextIdentity, paths.identity)
  await writeFile(paths.keyHistory, JSON.stringify(history, null, 2) + '\n', { mode: 0o600 })
  return { oldPeerId: old.signer.peerId, newPeerId: next.peerId }
}
