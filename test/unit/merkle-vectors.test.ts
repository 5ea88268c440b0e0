import { readdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  emptyRoot,
  leafHash,
  nodeHash,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion
} from '../../protocol/merkle.ts'

const VECTORS = fileURLToPath(new URL('../vectors/merkle/', import.meta.url))

function filesUnder (dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.json') ? [path] : []
  })
}

const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** Vector sizes are Go uint64s; 2^64 − 1 parses to an unsafe number, which must not verify. */
function load (path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
}

const proofOf = (value: unknown): Uint8Array[] => ((value ?? []) as string[]).map(b64)

describe('RFC 9162 hashing known answers', () => {
  it('hashes the empty leaf as SHA-256(0x00)', () => {
    expect(hex(leafHash(new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d')
  })

  it('hashes leaf "L123456" with the 0x00 prefix', () => {
    expect(hex(leafHash(utf8('L123456')))).toBe('395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56')
  })

  it('hashes node ("N123", "N456") with the 0x01 prefix', () => {
    expect(hex(nodeHash(utf8('N123'), utf8('N456')))).toBe('aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb')
  })

  it('uses SHA-256("") as the empty root', () => {
    expect(hex(emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })
})

const inclusionFiles = filesUnder(join(VECTORS, 'inclusion'))
const consistencyFiles = filesUnder(join(VECTORS, 'consistency'))

describe('transparency-dev/merkle inclusion vectors', () => {
  it('finds the vector files', () => {
    expect(inclusionFiles.length).toBeGreaterThan(60)
  })

  it.each(inclusionFiles.map((path) => [relative(VECTORS, path), path]))('%s matches wantErr', (_name, path) => {
    const v = load(path)
    const ok = verifyInclusion(v.leafIdx as number, v.treeSize as number, b64(v.leafHash as string), proofOf(v.proof), b64(v.root as string))
    expect(ok).toBe(!(v.wantErr as boolean))
    if (v.wantErr === false) {
      const root = rootFromInclusionProof(v.leafIdx as number, v.treeSize as number, b64(v.leafHash as string), proofOf(v.proof))
      expect(root && hex(root)).toBe(hex(b64(v.root as string)))
    }
  })
})

describe('transparency-dev/merkle consistency vectors', () => {
  it('finds the vector files', () => {
    expect(consistencyFiles.length).toBeGreaterThan(60)
  })

  it.each(consistencyFiles.map((path) => [relative(VECTORS, path), path]))('%s matches wantErr', (_name, path) => {
    const v = load(path)
    const ok = verifyConsistency(v.size1 as number, v.size2 as number, proofOf(v.proof), b64(v.root1 as string), b64(v.root2 as string))
    expect(ok).toBe(!(v.wantErr as boolean))
  })
})

describe('hostile and buggy arguments', () => {
  const leaf = leafHash(utf8('x'))

  it('returns false, not throws, for negative, fractional and unsafe sizes', () => {
    for (const bad of [-1, 0.5, 2 ** 53, Number.NaN, Infinity]) {
      expect(verifyInclusion(bad, 4, leaf, [], leaf)).toBe(false)
      expect(verifyInclusion(0, bad, leaf, [], leaf)).toBe(false)
      expect(verifyConsistency(bad, 4, [leaf], leaf, leaf)).toBe(false)
      expect(verifyConsistency(1, bad, [leaf], leaf, leaf)).toBe(false)
    }
  })

  it('returns false for proof elements that are not 32 bytes', () => {
    expect(verifyInclusion(0, 2, leaf, [new Uint8Array(31)], leaf)).toBe(false)
    expect(verifyConsistency(1, 2, [new Uint8Array(33)], leaf, leaf)).toBe(false)
  })

  it('returns false for an over-long proof without hashing past the root', () => {
    const proof = Array.from({ length: 10_000 }, () => leaf)
    expect(verifyInclusion(0, 2, leaf, proof, leaf)).toBe(false)
    expect(verifyConsistency(3, 4, proof, leaf, leaf)).toBe(false)
  })

  it('throws TypeError for arguments of the wrong type', () => {
    expect(() => verifyInclusion('0' as unknown as number, 1, leaf, [], leaf)).toThrow(TypeError)
    expect(() => verifyInclusion(0, 1, 'x' as unknown as Uint8Array, [], leaf)).toThrow(TypeError)
    expect(() => verifyInclusion(0, 1, leaf, null as unknown as Uint8Array[], leaf)).toThrow(TypeError)
    expect(() => verifyConsistency(1, 2, ['x'] as unknown as Uint8Array[], leaf, leaf)).toThrow(TypeError)
    expect(() => leafHash('x' as unknown as Uint8Array)).toThrow(TypeError)
  })
})
