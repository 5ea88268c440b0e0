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

/** Value of each ASCII character, or -1. `-` `_` and `+` `/` both map to 62 / 63. */
const VALUE = new Int8Array(128).fill(-1)
/** 1 for characters of the standard-only alphabet, 2 for the URL-safe-only one. */
const ALPHABET = new Uint8Array(128)
{
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  for (let i = 0; i < chars.length; i++) VALUE[chars.charCodeAt(i)] = i
  VALUE[0x2b] = 62 // +
  VALUE[0x2f] = 63 // /
  VALUE[0x2d] = 62 // -
  VALUE[0x5f] = 63 // _
  ALPHABET[0x2b] = 1
  ALPHABET[0x2f] = 1
  ALPHABET[0x2d] = 2
  ALPHABET[0x5f] = 2
}

/** True if `text` is base64 this module accepts (see the module header). */
export function isBase64 (text: string): boolean {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  let end = text.length
  if (end > 0 && text.charCodeAt(end - 1) === 0x3d) { // '='
    end--
    if (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--
    if (text.length % 4 !== 0) return false
  }
  const rem = end % 4
  if (rem === 1) return false
  let alphabets = 0
  let last = 0
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c > 0x7f) return false
    last = VALUE[c]
    if (last < 0) return false
    alphabets |= ALPHABET[c]
  }
  if (alphabets === 3) return false
  // Unused low bits of the last character must be zero: 4 bits when it ends one byte (rem 2),
  // 2 bits when it ends two (rem 3).
  if (rem === 2) return (last & 0x0f) === 0
  if (rem === 3) return (last & 0x03) === 0
  return true
}

/** Decodes `text`, or returns undefined if it is not base64 this module accepts. */
export function tryDecodeBase64 (text: string): Uint8Array | undefined {
  if (!isBase64(text)) return undefined
  let end = text.length
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--
  // An exact, unpooled allocation: decoded payloads and signatures may live long (queued,
  // stored), and a pooled Buffer would keep its whole 8 KiB slab alive with them.
  const length = (end * 3) >>> 2
  const out = Buffer.allocUnsafeSlow(length)
  if (out.write(text, 0, length, 'base64') !== length) return undefined // unreachable once validated
  return new Uint8Array(out.buffer, out.byteOffset, length)
}

/** Standard base64 with padding. */
export function encodeBase64 (bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array')
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}
