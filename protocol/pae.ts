/**
 * DSSE v1 Pre-Authentication Encoding: the exact bytes a DSSE signature covers.
 *
 *     PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 *
 * LEN is the byte length in ASCII decimal without leading zeros; `type` is encoded as UTF-8.
 * Binding the type into the signed bytes is what stops a signature over one payload type from
 * being replayed as another.
 *
 * @example
 * ```ts
 * pae('http://example.com/HelloWorld', utf8('hello world'))
 * // "DSSEv1 29 http://example.com/HelloWorld 11 hello world"
 * ```
 *
 * @module
 */

/** Builds PAE(payloadType, payload) in a single allocation. */
export function pae (payloadType: string, payload: Uint8Array): Uint8Array {
  if (typeof payloadType !== 'string') throw new TypeError('payloadType must be a string')
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array')
  const typeBytes = Buffer.byteLength(payloadType, 'utf8')
  const header = `DSSEv1 ${typeBytes} ${payloadType} ${payload.byteLength} `
  const headerBytes = header.length - payloadType.length + typeBytes
  const out = Buffer.allocUnsafe(headerBytes + payload.byteLength)
  out.write(header, 0, headerBytes, 'utf8')
  out.set(payload, headerBytes)
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}
