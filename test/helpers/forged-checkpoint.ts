/**
 * Present a forged checkpoint to a witness, as a node whose log was rewritten would: signed with
 * the node's own identity key (read from its data directory) for a size the witness has seen,
 * with another root, over the witness protocol from a libp2p host holding that key. The witness
 * should answer `{ type: 'alert', reason: 'FORK' }` and keep the alert.
 */
import { readFile } from 'node:fs/promises'
import { createPrivateKey } from 'node:crypto'
import { join } from 'node:path'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { signerFromPkcs8Pem } from '../../protocol/keys.ts'
import { issueCheckpoint } from '../../node/audit/checkpoints.ts'
import { encodeFrame, FrameDecoder } from '../../protocol/frame.ts'
import { WITNESS_PROTOCOL } from '../../node/witness/witness.ts'

/** A bare libp2p host (TCP, Noise, yamux) holding a node's identity key (its PKCS#8 PEM): it dials as that node. */
export async function hostWithKey (pem: string): Promise<Libp2p> {
  const seed = new Uint8Array(Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d!, 'base64url'))
  return await createLibp2p({
    privateKey: await generateKeyPairFromSeed('Ed25519', seed),
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

export interface ForgedPresentation {
  /** The forged checkpoint note, as presented. */
  note: string
  /** The witness's first answer. */
  answer: { type: string, reason?: string } | undefined
}

/** Sign, as the node of `dataDir`, a checkpoint of `size` with a made-up root; present it at `witnessAddress`; return it and the witness's answer. */
export async function presentForgedCheckpoint (dataDir: string, witnessAddress: string, size: number): Promise<ForgedPresentation> {
  const pem = await readFile(join(dataDir, 'identity.key'), 'utf8')
  const forged = issueCheckpoint(signerFromPkcs8Pem(pem), size, new Uint8Array(32).fill(7), Math.floor(Date.now() / 1000))
  const host = await hostWithKey(pem)
  try {
    const stream = await host.dialProtocol(multiaddr(witnessAddress), WITNESS_PROTOCOL)
    stream.send(encodeFrame(new TextEncoder().encode(JSON.stringify({ type: 'checkpoint', note: forged }))))
    const decoder = new FrameDecoder()
    for await (const chunk of stream) {
      const frames = decoder.push(chunk)
      if (frames.length > 0) return { note: forged, answer: JSON.parse(new TextDecoder().decode(frames[0])) as { type: string, reason?: string } }
    }
    return { note: forged, answer: undefined }
  } finally {
    await host.stop()
  }
}
