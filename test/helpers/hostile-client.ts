/**
 * A hostile Liaison peer for adversarial end-to-end tests, written from the wire protocol and
 * deliberately independent of the node's own code: plain libp2p (TCP, Noise, Yamux) with its
 * own Ed25519 key, and every byte it sends built by hand here — varint length prefixes, DSSE
 * PAE, envelope JSON, message JSON, Ed25519 signatures from node:crypto. Nothing is imported
 * from protocol/ or node/, so a bug shared by the node's encoder and decoder cannot hide.
 *
 * What it can do that an honest peer cannot: send any bytes on `/liaison/exchange/2.0.0`
 * (oversize prefixes, truncated frames or batches, one byte at a time), sign with any key, build
 * signatures the node must refuse (S + L, small-order or mixed-order R), open as many streams
 * as it likes. Batch receipts coming back are checked here from the spec (PROTOCOL.md §22):
 * the checkpoint note's signature under the node's key from its peer ID, each entry's leaf
 * hash, and the multiproof up to the signed root — all with node:crypto and this file's code.
 *
 * @example
 * ```ts
 * const hostile = await HostileClient.create()
 * await trustPeer(node.dir, hostile.peerId)
 * const s = await hostile.openStream(node.address)
 * s.write(batch(envelopeBytes(MESSAGE_TYPE, payload, [hostile.identity.signature(MESSAGE_TYPE, payload)])))
 * const receipt = openReceipt(await s.readFrame(), node.peerId)   // the batch's first result
 * ```
 *
 * @module
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto'
import { Point } from '@noble/ed25519'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Connection, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { cli, TEST_AGREEMENT } from './node-process.ts'

/** The spec's constants, spelled out rather than imported (the tests compare them once). */
export const EXCHANGE = '/liaison/exchange/2.0.0'
export const MESSAGE_TYPE = 'application/vnd.liaison.message.v1+json'
export const RECEIPT_TYPE = 'application/vnd.liaison.receipt.v1+json'

/** Order of the Ed25519 prime-order subgroup. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n

const utf8 = new TextEncoder()
const bytesOf = (data: Uint8Array | string): Uint8Array => typeof data === 'string' ? utf8.encode(data) : data

// ---------------------------------------------------------------------------------------------
// Bytes on the wire

/** Unsigned LEB128 varint, as libp2p writes lengths. */
export function varint (n: number): Uint8Array {
  const out: number[] = []
  let rest = n
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/** A frame: varint length prefix + body. */
export function frame (body: Uint8Array | string): Uint8Array {
  const b = bytesOf(body)
  return concat([varint(b.length), b])
}

/** A batch frame (exchange v2): varint(since) then each envelope varint-prefixed, all in one frame. */
export function batch (...envelopes: Array<Uint8Array | string>): Uint8Array {
  return batchSince(0, ...envelopes)
}

export function batchSince (since: number, ...envelopes: Array<Uint8Array | string>): Uint8Array {
  return frame(concat([varint(since), ...envelopes.map(e => frame(e))]))
}

export function concat (parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** DSSE v1 pre-authentication encoding. */
export function pae (payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8.encode(payloadType)
  return concat([utf8.encode(`DSSEv1 ${type.length} `), type, utf8.encode(` ${payload.length} `), payload])
}

/** A message's identity: lowercase hex SHA-256 of its PAE bytes. */
export function digestOf (payloadType: string, payload: Uint8Array | string): string {
  return createHash('sha256').update(pae(payloadType, bytesOf(payload))).digest('hex')
}

export interface RawSignature {
  keyid: string
  /** Signature bytes, or base64 text written into the JSON as is (to send bad base64). */
  sig: Uint8Array | string
}

/**
 * Envelope JSON bytes. `payload` bytes are base64-encoded; a string is written as the base64
 * text verbatim (so a test can send text that is not base64).
 */
export function envelopeBytes (payloadType: string, payload: Uint8Array | { base64: string }, signatures: RawSignature[]): Uint8Array {
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
  return utf8.encode(JSON.stringify({
    payloadType,
    payload: payload instanceof Uint8Array ? b64(payload) : payload.base64,
    signatures: signatures.map(s => ({ keyid: s.keyid, sig: typeof s.sig === 'string' ? s.sig : b64(s.sig) }))
  }))
}

// ---------------------------------------------------------------------------------------------
// Messages

/** A lowercase canonical UUIDv7 for `ms`. */
export function uuidv7 (ms: number = Date.now()): string {
  const b = randomBytes(16)
  b.writeUIntBE(ms, 0, 6)
  b[6] = 0x70 | (b[6] & 0x0f)
  b[8] = 0x80 | (b[8] & 0x3f)
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** A valid message v1 object from `from` to `to`, created now, expiring in a day; overridable. */
export function messageFields (from: string, to: string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now()
  return {
    v: 1,
    id: uuidv7(now),
    kind: 'report',
    from,
    to,
    created: new Date(now).toISOString(),
    expires: new Date(now + 86_400_000).toISOString(),
    tlp: 'GREEN',
    handling: [],
    topic: 'hostile-test',
    legalBasis: TEST_AGREEMENT,
    body: { note: 'sent by the hostile client' },
    ...overrides
  }
}

export function jsonBytes (value: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(value))
}

// ---------------------------------------------------------------------------------------------
// Keys and signatures

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex')

function leToBigInt (bytes: Uint8Array): bigint {
  return BigInt('0x' + (Buffer.from(bytes).reverse().toString('hex') || '0'))
}

export function bigIntToLe32 (n: bigint): Uint8Array {
  const hex = n.toString(16).padStart(64, '0')
  if (hex.length > 64) throw new RangeError('does not fit in 32 bytes')
  return new Uint8Array(Buffer.from(hex, 'hex').reverse())
}

/** An Ed25519 identity: seed, raw public key, peer ID; signs plainly or builds crafted signatures. */
export class Identity {
  readonly seed: Uint8Array
  readonly publicKey: Uint8Array
  readonly peerId: string
  private readonly key: KeyObject

  private constructor (seed: Uint8Array, publicKey: Uint8Array, peerId: string) {
    this.seed = seed
    this.publicKey = publicKey
    this.peerId = peerId
    this.key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' })
  }

  static async create (seed: Uint8Array = new Uint8Array(randomBytes(32))): Promise<Identity> {
    const privateKey = await generateKeyPairFromSeed('Ed25519', seed)
    return new Identity(seed, privateKey.publicKey.raw, peerIdFromPrivateKey(privateKey).toString())
  }

  sign (data: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, data, this.key))
  }

  /** An honest DSSE signature entry over PAE(payloadType, payload), keyid = own peer ID. */
  signature (payloadType: string, payload: Uint8Array, keyid: string = this.peerId): RawSignature {
    return { keyid, sig: this.sign(pae(payloadType, payload)) }
  }

  /** The secret scalar a (RFC 8032: the clamped low half of SHA-512(seed)). */
  get scalar (): bigint {
    const h = createHash('sha512').update(this.seed).digest()
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return leToBigInt(h.subarray(0, 32))
  }

  /**
   * A "signature" (R, S) with the R encoding chosen by the caller, made with the secret key so
   * that it is as close to valid as R allows: S = r + k·a mod L with k = SHA-512(R ‖ A ‖ M),
   * where `rScalar` is the discrete log of R's prime-order part (0 for a small-order R). The
   * cofactorless equation [S]B − [k]A = R then holds up to R's torsion component and encoding.
   */
  craft (message: Uint8Array, rEncoding: Uint8Array, rScalar = 0n): Uint8Array {
    const k = leToBigInt(createHash('sha512').update(rEncoding).update(this.publicKey).update(message).digest()) % L
    const s = (rScalar + k * this.scalar) % L
    return concat([rEncoding, bigIntToLe32(s)])
  }
}

/** S + L: the same signature with a non-canonical S (strict verifiers reject S ≥ L). */
export function malleate (sig: Uint8Array): Uint8Array {
  const s = leToBigInt(sig.subarray(32)) + L
  return concat([sig.subarray(0, 32), bigIntToLe32(s)])
}

/** Encodings used to build edge-case R values. */
export const IDENTITY_POINT = Point.ZERO.toBytes()
/** y = p + 1 ≡ 1: the identity point written non-canonically. */
export const IDENTITY_NONCANONICAL = bigIntToLe32(2n ** 255n - 19n + 1n)
/** A point of order 8 (the torsion point speccheck uses). */
export const TORSION_8 = Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a')

/** Edge-case signatures by `id` over `message` that a strict cofactorless verifier refuses. */
export function edgeCaseSignatures (id: Identity, message: Uint8Array): Record<string, Uint8Array> {
  const honest = id.sign(message)
  const r = BigInt(1 + (randomBytes(4).readUInt32BE(0) % 1000))
  const mixedR = Point.BASE.multiply(r).add(TORSION_8).toBytes()
  const largeS = concat([honest.subarray(0, 32), bigIntToLe32(leToBigInt(honest.subarray(32)) | (0xfn << 252n))])
  return {
    // small-order R (the identity), equation holds exactly: only the small-order-R rule rejects it
    'small-order R': id.craft(message, IDENTITY_POINT, 0n),
    // the same R spelled with y ≥ p: R must be canonical
    'non-canonical R': id.craft(message, IDENTITY_NONCANONICAL, 0n),
    // R = [r]B + T8: a cofactored verifier (×8) accepts it, cofactorless must not
    'mixed-order R': id.craft(message, mixedR, r),
    'S + L': malleate(honest),
    'S >> L': largeS
  }
}

// ---------------------------------------------------------------------------------------------
// Receipts

/** One result of a batch receipt, as this client reads it (see `openBatchReceipt`). */
export interface ReceiptJson {
  v: number
  /** The digest the entry names (null: the node could not parse the envelope). */
  for: string | null
  messageId: string | null
  by: string
  at: string
  status: 'accepted' | 'rejected'
  reason?: string
  leaf: number
  /** The audit entry exactly as the node logged it. */
  entry: string
  /** The tree size of the receipt's checkpoint. */
  size: number
}

/** Raw 32-byte Ed25519 key inlined in a peer ID. */
export function publicKeyOf (peerId: string): Uint8Array {
  const id = peerIdFromString(peerId)
  if (id.type !== 'Ed25519') throw new Error(`${peerId} is not an Ed25519 peer ID`)
  return id.publicKey.raw
}

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** The root a multiproof (PROTOCOL.md §22.1) implies for `leaves` (ascending), or undefined. */
export function multiProofRoot (size: number, leaves: Array<{ index: number, hash: Uint8Array }>, proof: Uint8Array[]): Uint8Array | undefined {
  let p = 0
  let bad = false
  const walk = (lo: number, hi: number): Uint8Array => {
    const inside = leaves.filter(l => l.index >= lo && l.index < hi)
    if (inside.length === 0) {
      if (p >= proof.length) {
        bad = true
        return new Uint8Array(32)
      }
      return proof[p++]
    }
    if (hi - lo === 1) return inside[0].hash
    let k = 1
    while (k * 2 < hi - lo) k *= 2
    return sha256(Uint8Array.of(1), walk(lo, lo + k), walk(lo + k, hi))
  }
  const root = walk(0, size)
  return bad || p !== proof.length ? undefined : root
}

/**
 * Checks a batch receipt: strict shape, the checkpoint note signed (and time-cosigned) by
 * `signerPeerId` over its body, each result's entry hashed as a leaf, the multiproof leading to
 * the body's root. Returns one ReceiptJson per result, in batch order. Throws Error otherwise.
 */
export function openBatchReceipt (bytes: Uint8Array, signerPeerId: string): ReceiptJson[] {
  const r = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
    v: number,
    checkpoint: string,
    results: Array<{ leaf: number, entry: string }>,
    proof: string[],
    consistency: string[] | null
  }
  if (r.v !== 2 || Object.keys(r).join() !== 'v,checkpoint,results,proof,consistency') throw new Error('not a batch receipt')
  const note = r.checkpoint
  const split = note.indexOf('\n\n')
  const body = note.slice(0, split + 1)
  const [origin, sizeText, rootText] = body.split('\n')
  if (origin !== `liaison.local/${signerPeerId}`) throw new Error(`checkpoint of ${origin}, not of ${signerPeerId}`)
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKeyOf(signerPeerId)]), format: 'der', type: 'spki' })
  const lines = note.slice(split + 2).split('\n').filter(l => l !== '')
  const sigs = lines.filter(l => l.startsWith(`\u2014 ${origin} `)).map(l => Buffer.from(l.slice(origin.length + 3), 'base64'))
  const signedBody = sigs.some(sig => sig.length === 68 && verify(null, Buffer.from(body), key, sig.subarray(4)))
  const cosigned = sigs.some(sig =>
    sig.length === 76 &&
    verify(null, Buffer.concat([Buffer.from(`cosignature/v1\ntime ${sig.readBigUInt64BE(4)}\n`), Buffer.from(body)]), key, sig.subarray(12))
  )
  if (!signedBody || !cosigned) throw new Error(`checkpoint is not signed and time-cosigned by ${signerPeerId}`)
  const size = Number(sizeText)
  const unique = new Map<number, Uint8Array>()
  for (const x of r.results) unique.set(x.leaf, sha256(Uint8Array.of(0), Buffer.from(x.entry, 'utf8')))
  const leaves = [...unique].sort((a, b) => a[0] - b[0]).map(([index, hash]) => ({ index, hash }))
  const root = multiProofRoot(size, leaves, r.proof.map(h => new Uint8Array(Buffer.from(h, 'base64'))))
  if (root === undefined || !Buffer.from(root).equals(Buffer.from(rootText, 'base64'))) throw new Error('the multiproof does not lead to the signed root')
  return r.results.map(x => {
    const e = JSON.parse(x.entry) as Record<string, unknown>
    const accepted = e.type === 'message.received'
    if (!accepted && e.type !== 'message.rejected') throw new Error(`entry of type ${String(e.type)}`)
    const out: ReceiptJson = {
      v: 2,
      for: (e.digest as string | null) ?? null,
      messageId: ((accepted ? e.id : e.messageId) as string | null) ?? null,
      by: signerPeerId,
      at: e.at as string,
      status: accepted ? 'accepted' : 'rejected',
      leaf: x.leaf,
      entry: x.entry,
      size
    }
    if (!accepted) out.reason = e.reason as string
    return out
  })
}

/** The first (or only) result of a batch receipt, checked as `openBatchReceipt` does. */
export function openReceipt (bytes: Uint8Array, signerPeerId: string): ReceiptJson {
  return openBatchReceipt(bytes, signerPeerId)[0]
}

// ---------------------------------------------------------------------------------------------
// Trust and transport

/**
 * Put `peerId` on the trust list of the node in `dir` (running or not), through the CLI, with
 * the test agreement valid (so a well-formed message from it passes policy) and `extra` flags.
 */
export async function trustPeer (dir: string, peerId: string, name = 'hostile', extra: string[] = []): Promise<void> {
  const res = await cli([
    'peers',
    'add',
    '--data-dir',
    dir,
    '--peer-id',
    peerId,
    '--name',
    name,
    '--address',
    '/ip4/127.0.0.1/tcp/1',
    '--agreement',
    `${TEST_AGREEMENT}:2020-01-01:2099-12-31`,
    ...extra
  ])
  if (res.code !== 0) throw new Error(`peers add failed: ${res.stderr}`)
}

/** How a stream ended, seen from the hostile side. */
export type StreamEnd = { how: 'closed' } | { how: 'reset', error: Error }

/** One outbound exchange stream: raw writes, and frames read back with a tiny varint reader. */
export class HostileStream {
  readonly stream: Stream
  /** Complete frames received and not yet taken by `readFrame`. */
  private readonly frames: Uint8Array[] = []
  private buffer: Buffer = Buffer.alloc(0)
  private ended: StreamEnd | undefined
  private readonly waiters = new Set<() => void>()
  /** Resolves when the remote end is finished with the stream (closed or reset). */
  readonly done: Promise<StreamEnd>

  constructor (stream: Stream) {
    this.stream = stream
    this.done = this.read()
  }

  private async read (): Promise<StreamEnd> {
    try {
      for await (const chunk of this.stream) this.take(chunk)
      this.ended = { how: 'closed' }
    } catch (err) {
      this.ended = { how: 'reset', error: err as Error }
    }
    this.wakeAll()
    return this.ended
  }

  private take (chunk: Uint8Array | Uint8ArrayList): void {
    this.buffer = Buffer.concat([this.buffer, chunk.subarray()])
    for (;;) {
      let length = 0
      let scale = 1
      let i = 0
      for (; i < this.buffer.length && i < 5; i++) {
        length += (this.buffer[i] & 0x7f) * scale
        scale *= 128
        if (this.buffer[i] < 0x80) break
      }
      if (i >= this.buffer.length || i === 5) break
      const start = i + 1
      if (this.buffer.length < start + length) break
      this.frames.push(new Uint8Array(this.buffer.subarray(start, start + length)))
      this.buffer = this.buffer.subarray(start + length)
    }
    this.wakeAll()
  }

  private wakeAll (): void {
    for (const wake of this.waiters) wake()
  }

  private async changed (deadline: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.waiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, Math.max(0, deadline - Date.now()))
      this.waiters.add(wake)
    })
  }

  /** Sends raw bytes, waiting for drain if the muxer asks for it. */
  async write (bytes: Uint8Array): Promise<void> {
    if (!this.stream.send(bytes)) await this.stream.onDrain()
  }

  /** Closes our writable end (the node then sees the end of its input). */
  async closeWrite (): Promise<void> {
    await this.stream.close()
  }

  /** The next frame from the node; throws if the stream ends first or nothing comes in time. */
  async readFrame (timeoutMs = 10_000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const next = this.frames.shift()
      if (next !== undefined) return next
      if (this.ended !== undefined) throw new Error(`stream ${this.ended.how} before a frame arrived`)
      if (Date.now() >= deadline) throw new Error(`no frame within ${timeoutMs} ms`)
      await this.changed(deadline)
    }
  }

  /** Waits until the stream ends (or `timeoutMs` passes: undefined). */
  async end (timeoutMs = 10_000): Promise<StreamEnd | undefined> {
    const deadline = Date.now() + timeoutMs
    while (this.ended === undefined && Date.now() < deadline) await this.changed(deadline)
    return this.ended
  }

  /** Frames received but not read. */
  get unread (): number {
    return this.frames.length
  }

  abort (): void {
    this.stream.abort(new Error('hostile client aborts'))
  }
}

/** A libp2p host with its own identity that dials Liaison nodes and misbehaves on request. */
export class HostileClient {
  readonly identity: Identity
  readonly libp2p: Libp2p

  private constructor (identity: Identity, libp2p: Libp2p) {
    this.identity = identity
    this.libp2p = libp2p
  }

  static async create (identity?: Identity): Promise<HostileClient> {
    const id = identity ?? await Identity.create()
    const libp2p = await createLibp2p({
      privateKey: await generateKeyPairFromSeed('Ed25519', id.seed),
      addresses: { listen: [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()]
    })
    return new HostileClient(id, libp2p)
  }

  get peerId (): string {
    return this.identity.peerId
  }

  /** A connection to the node at `address` (a multiaddr ending in /p2p/<id>), reused if open. */
  async connect (address: string): Promise<Connection> {
    return await this.libp2p.dial(multiaddr(address))
  }

  /** A new exchange stream; our own outbound stream limit is lifted so the node's is tested. */
  async openStream (address: string): Promise<HostileStream> {
    const connection = await this.connect(address)
    const stream = await connection.newStream(EXCHANGE, { maxOutboundStreams: 100_000, signal: AbortSignal.timeout(10_000) })
    return new HostileStream(stream)
  }

  /** Drop every connection to the node (the next `openStream` dials anew). */
  async hangUp (address: string): Promise<void> {
    await this.libp2p.hangUp(multiaddr(address))
  }

  /**
   * Drops the connection to the node and dials it again. libp2p refuses more than
   * `inboundConnectionThreshold` (5) new inbound connections per second from one host, and in
   * tests every process is 127.0.0.1, so a refused dial (reset during the Noise handshake) is
   * retried after the limiter's window instead of failing the test.
   */
  async redial (address: string, attempts = 5): Promise<Connection> {
    await this.hangUp(address)
    for (let attempt = 1;; attempt++) {
      try {
        return await this.connect(address)
      } catch (err) {
        if (attempt >= attempts) throw err
        await new Promise(resolve => setTimeout(resolve, 1_100))
      }
    }
  }

  async stop (): Promise<void> {
    await this.libp2p.stop()
  }
}

/** The node process's resident set size in bytes, from /proc/<pid>/status (Linux). */
export async function rssOf (pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  if (m === null) throw new Error(`no VmRSS for ${pid}`)
  return Number(m[1]) * 1024
}
