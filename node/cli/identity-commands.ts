/**
 * `liaison init`, `liaison id`, `liaison envelope sign|verify`.
 *
 * `envelope sign` reads strict JSON, validates it, refuses a payload that names another signer
 * (`from` / `by`) and signs the compact encoding. `envelope verify` prints the digest, or the
 * reason code (exit 1): BAD_ENVELOPE, BAD_SIGNATURE, BAD_PAYLOAD_TYPE, SCHEMA_INVALID or
 * SIGNER_MISMATCH. Neither looks at a clock, a trust list or policy (PROTOCOL.md §17.5).
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { initDataDir, loadIdentity } from '../config/index.ts'
import { kitPath } from '../courier/kit.ts'
import { publicKeyToSpkiPem, publicKeyFromSpkiPem, verifyKeyFromPublicKey } from '../../protocol/keys.ts'
import { decodeEnvelope, encodeEnvelope, signEnvelope, verifyEnvelope, envelopeDigest } from '../../protocol/envelope.ts'
import { parseMessage, validateMessage, encodeMessage } from '../../protocol/message.ts'
import { encodeReceipt, parseReceipt, validateReceipt } from '../../protocol/receipt.ts'
import { parseStrictJson, utf8Decode } from '../../protocol/json.ts'
import { ProtocolError } from '../../protocol/errors.ts'
import { PAYLOAD_TYPES } from '../../protocol/types.ts'
import { DEFAULT_LISTEN } from '../defaults.ts'
import { NodeError } from '../errors.ts'
import { str, list, print, readInput } from './args.ts'
import type { Invocation } from './spec.ts'

export async function initCommand (p: Invocation): Promise<number> {
  const name = str(p, 'name') ?? process.env.LIAISON_NAME ?? hostname()
  const listen = list(p, 'listen')
  const jurisdiction = str(p, 'jurisdiction')
  if (jurisdiction != null && !/^[A-Z]{2}$/.test(jurisdiction)) {
    throw new NodeError('BAD_ARGUMENT', `--jurisdiction ${jurisdiction}: expected an ISO 3166-1 alpha-2 code in capitals, such as NL`)
  }
  const { peerId, paths } = await initDataDir(p.dataDir, {
    name,
    listen: listen.length > 0 ? listen : DEFAULT_LISTEN,
    ...(jurisdiction != null ? { jurisdiction } : {})
  })
  if (p.values.json === true) print({ peerId, dataDir: paths.root })
  else process.stdout.write(`${peerId}\n`)
  process.stderr.write(`initialised ${paths.root} for "${name}" (identity ${paths.identity}, config ${paths.config})\n`)
  process.stderr.write(
    `revocation kit ${
      kitPath(paths.revocationDir, peerId)
    } (mode 0600): copy it offline now; \`liaison keys revoke --certificate KIT\` tells every peer to stop trusting this key if it is ever stolen\n`
  )
  return 0
}

export async function idCommand (p: Invocation): Promise<number> {
  const { signer } = await loadIdentity(p.dataDir)
  const publicKeyPem = publicKeyToSpkiPem(signer.publicKey)
  if (p.values.json === true) print({ peerId: signer.peerId, publicKeyPem })
  else process.stdout.write(`${signer.peerId}\n${publicKeyPem}`)
  return 0
}

export async function envelopeCommand (p: Invocation): Promise<number> {
  return p.sub === 'sign' ? await envelopeSign(p) : await envelopeVerify(p)
}

const TYPES: Record<string, string> = { message: PAYLOAD_TYPES.message, receipt: PAYLOAD_TYPES.receipt }

async function envelopeSign (p: Invocation): Promise<number> {
  const type = str(p, 'type', true) as string
  const payloadType = TYPES[type]
  const { signer } = await loadIdentity(p.dataDir)
  const input = await readInput(str(p, 'in'))
  // The same strict JSON rules as on the wire (`v` must be an integer literal); then validate
  // and sign the compact encoding in the fixed key order, whatever the input's layout.
  const value = parseStrictJson(utf8Decode(input), { integerKeys: ['v'] })
  let payload: Uint8Array
  if (type === 'message') {
    const message = validateMessage(value)
    if (message.from !== signer.peerId) throw mismatch('from', message.from, signer.peerId)
    payload = encodeMessage(message)
  } else {
    const receipt = validateReceipt(value)
    if (receipt.by !== signer.peerId) throw mismatch('by', receipt.by, signer.peerId)
    payload = encodeReceipt(receipt)
  }
  process.stdout.write(Buffer.from(encodeEnvelope(signEnvelope(payloadType, payload, signer))).toString('utf8') + '\n')
  return 0
}

/** A signed statement must name its signer: a receiver would refuse it with SIGNER_MISMATCH. */
function mismatch (field: string, named: string, signer: string): ProtocolError {
  return new ProtocolError('SIGNER_MISMATCH', `${field} is ${named}, but the signer is ${signer}`)
}

async function envelopeVerify (p: Invocation): Promise<number> {
  const pem = await readFile(str(p, 'public-key', true) as string, 'utf8')
  const key = verifyKeyFromPublicKey(publicKeyFromSpkiPem(pem))
  const input = await readInput(str(p, 'in'))
  try {
    const env = decodeEnvelope(new Uint8Array(input.buffer, input.byteOffset, trimEnd(input)))
    if (!verifyEnvelope(env, key)) throw new ProtocolError('BAD_SIGNATURE', 'no signature verifies under the given key')
    if (env.payloadType === PAYLOAD_TYPES.message) {
      const { from } = parseMessage(env.payload)
      if (from !== key.peerId) throw mismatch('from', from, key.peerId)
    } else if (env.payloadType === PAYLOAD_TYPES.receipt) {
      const { by } = parseReceipt(env.payload)
      if (by !== key.peerId) throw mismatch('by', by, key.peerId)
    } else {
      throw new ProtocolError('BAD_PAYLOAD_TYPE', `unknown payload type ${env.payloadType}`)
    }
    const digest = envelopeDigest(env)
    if (p.json) print({ valid: true, digest, payloadType: env.payloadType })
    else process.stdout.write(`${digest}\n`)
    return 0
  } catch (err) {
    if (err instanceof ProtocolError) {
      if (p.json) print({ valid: false, code: err.code, detail: err.message })
      else process.stdout.write(`${err.code}\n`)
      process.stderr.write(`invalid: ${err.message}\n`)
      return 1
    }
    throw err
  }
}

/** Length without trailing ASCII whitespace (a file usually ends with a newline). */
function trimEnd (bytes: Uint8Array): number {
  let n = bytes.length
  while (n > 0 && (bytes[n - 1] === 0x0a || bytes[n - 1] === 0x0d || bytes[n - 1] === 0x20 || bytes[n - 1] === 0x09)) n--
  return n
}
