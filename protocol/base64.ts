/**
 * Base64 (RFC 4648) for envelope fields: strict on input, standard on output.
 *
 * Input may use the standard alphabet (`+` `/`) or the URL-safe one (`-` `_`), padded or not.
 * Rejected: whitespace and any other character, both alphabets in one string, a length that
 * cannot be base64 (n % 4 === 1), padding that is present but wrong, and non-zero unused
 * trailing bits (so every byte string has exactly one accepted spelling per alphabet and
 * padding choice). Node's own base64 decoder skips all of these silently, so the text is
 * validated first and only then handed to it.
 *
 * Output is always the standard alphabet with padding.
 *
 * @example
 * ```ts
 * tryDecodeBase64('aGk')   // Uint8Array [0x68, 0x69]
 * tryDecodeBase64('aGk=')  // the same
 * tryDecodeBase64('aGl=')  // undefined: non-zero trailing bits
 * encodeBase64(bytes)      // 'aGk='
 * ```
 *
 * @module
 */

/** True if `text` is base64 this module accepts (see the module header). */
export function isBase64 (text: string): boolean {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  return decodeCanonical(text) !== undefined
}

/** Decodes `text`, or returns undefined if it is not base64 this module accepts. */
export function tryDecodeBase64 (text: string): Uint8Array | undefined {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  const bytes = decodeCanonical(text)
  if (bytes === undefined) return undefined
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
}

/**
 * Node's decoder (native, fast) skips what it does not understand, so its result is accepted
 * only if encoding it again gives back exactly `text` in one of the four accepted spellings:
 * standard or URL-safe alphabet, with or without padding. Everything the module header rejects
 * (other characters, whitespace, mixed alphabets, impossible lengths, wrong padding, non-zero
 * trailing bits) decodes to bytes whose canonical spelling differs from `text`.
 */
function decodeCanonical (text: string): Buffer | undefined {
  // An exact, unpooled allocation: decoded payloads and signatures may live long (queued,
  // stored), and a pooled Buffer would keep its whole 8 KiB slab alive with them.
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'base64'))
  const length = bytes.write(text, 'base64')
  const out = length === bytes.length ? bytes : bytes.subarray(0, length)
  const padded = out.toString('base64')
  if (text === padded) return out
  const end = padded.length - (padded.endsWith('==') ? 2 : padded.endsWith('=') ? 1 : 0)
  const standard = text.length === end && padded.startsWith(text)
  if (standard) return out
  const url = out.toString('base64url')
  if (text === url || text === url + padded.slice(end)) return out
  return undefined
}

/** Standard base64 with padding. */
export function encodeBase64 (bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}
