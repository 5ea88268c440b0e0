/**
 * Which sources the compiled build in dist/ was made from, so that a stale build never runs
 * silently. `npm run build` (scripts/build.ts) writes dist/build.json with the SHA-256 of every
 * file the compiler read; the compiled entry point (dist/node/cli/liaison.js) refuses to start
 * when one of them has changed in the checkout since, and the benchmark rebuilds first.
 *
 * Checking costs one read and one hash of each input (~130 files, under 1 MB): a few
 * milliseconds at start-up. This file has no dependencies beyond Node so that the compiled
 * node can carry it.
 *
 * @example
 * ```ts
 * const problem = buildProblem(projectRoot)
 * if (problem != null) throw new Error(`${problem}; run npm run build`)
 * ```
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The stamp's name inside the build directory. */
export const STAMP_FILE = 'build.json'

/** Where the build goes, relative to the project root. */
export const DIST_DIR = 'dist'

export interface BuildStamp {
  version: 1
  /** SHA-256 (hex) of each input, by path relative to the project root with '/' separators. */
  inputs: Record<string, string>
}

/** SHA-256 (hex) of a file's bytes; undefined when there is no such file. */
export function hashFile (path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** The stamp of the build in `distDir`; undefined when there is none. */
export function readStamp (distDir: string): BuildStamp | undefined {
  let text: string
  try {
    text = readFileSync(join(distDir, STAMP_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const stamp = JSON.parse(text) as BuildStamp
  if (stamp.version !== 1 || typeof stamp.inputs !== 'object' || stamp.inputs == null) return undefined
  return stamp
}

/** Inputs of `stamp` whose contents under `root` differ from when it was built, or are gone. */
export function changedInputs (root: string, stamp: BuildStamp): string[] {
  return Object.entries(stamp.inputs).filter(([path, hash]) => hashFile(join(root, path)) !== hash).map(([path]) => path)
}

/** Why the build in `root`/dist cannot be run, or undefined when it is current. */
export function buildProblem (root: string, distDir = join(root, DIST_DIR)): string | undefined {
  const stamp = readStamp(distDir)
  if (stamp == null) return `${distDir} holds no build (no ${STAMP_FILE})`
  const changed = changedInputs(root, stamp)
  if (changed.length === 0) return undefined
  const named = changed.slice(0, 3).join(', ') + (changed.length > 3 ? ` and ${changed.length - 3} more` : '')
  return `${distDir} was built from other sources than the checkout holds (${named} changed since)`
}
