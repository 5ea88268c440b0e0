/**
 * A report signed by the node: a DSSE v1 envelope of payload type
 * `application/vnd.liaison.report.v1+json` whose payload is the report's JSON in RFC 8785 (JCS)
 * form, signed with the node key. A partner or oversight body checks the signature against the
 * node's peer ID (in the report and in the bundle's keys) and the figures with `report verify`.
 *
 * @module
 */
import { decodeEnvelope, encodeEnvelope, signEnvelope, verifyEnvelope } from '../../protocol/envelope.ts'
import { verifyKeyFromPeerId } from '../../protocol/keys.ts'
import type { Signer } from '../../protocol/types.ts'
import { jcs } from '../audit/entry.ts'
import { NodeError } from '../errors.ts'
import { REPORT_PAYLOAD_TYPE, type Report } from './types.ts'

export function signReport (report: Report, signer: Signer): Uint8Array {
  return encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, new TextEncoder().encode(jcs(report)), signer))
}

/** Open a signed report; the signature must verify under one of `peerIds` (default the report's node). */
export function openSignedReport (bytes: Uint8Array, peerIds?: readonly string[]): { report: Report, signer: string } {
  let env
  try {
    env = decodeEnvelope(bytes)
  } catch (err) {
    throw new NodeError('REPORT_INVALID', `not a signed report: ${(err as Error).message}`, { cause: err })
  }
  if (env.payloadType !== REPORT_PAYLOAD_TYPE) throw new NodeError('REPORT_INVALID', `payload type ${env.payloadType} is not ${REPORT_PAYLOAD_TYPE}`)
  let report: Report
  try {
    report = JSON.parse(new TextDecoder().decode(env.payload)) as Report
  } catch (err) {
    throw new NodeError('REPORT_INVALID', 'the signed payload is not JSON', { cause: err })
  }
  for (const peerId of peerIds ?? [report.node]) {
    try {
      if (verifyEnvelope(env, verifyKeyFromPeerId(peerId))) return { report, signer: peerId }
    } catch { /* not a usable key: try the next */ }
  }
  throw new NodeError('BAD_SIGNATURE', "the report's signature does not verify under the node's key")
}
