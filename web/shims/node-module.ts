/** node:module for the browser bundle: nothing native loads, so ed25519-fast.ts falls back to `verify` (the noble shim). */
export function createRequire (): (id: string) => never {
  return (id: string) => {
    throw new Error(`${id} is not available in the browser`)
  }
}
