/**
 * JSON Pointer (RFC 6901, what ajv reports as `instancePath`) → the JSONPath spelling users
 * read in errors: `/objects/0/hashes/SHA-256` → `$.objects[0].hashes['SHA-256']`.
 *
 * @module
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export function pointerToJsonPath (pointer: string, root = '$'): string {
  if (pointer === '') return root
  let out = root
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (/^(0|[1-9][0-9]*)$/.test(part)) out += `[${part}]`
    else if (NAME.test(part)) out += `.${part}`
    else out += `['${part.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`
  }
  return out
}
