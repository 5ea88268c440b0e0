/**
 * `liaison audit verify --bundle DIR`: the bundle checks (check-bundle.ts) on a directory, with
 * node:crypto's SHA-256. The auditor's page in the browser runs the same checks on the files the
 * auditor picks.
 *
 * @module
 */
import type { VerifyReport } from '../verify/report.ts'
import { checkBundle } from './check-bundle.ts'
import type { CheckBundleOptions } from './check-bundle.ts'
import { dirSource, nodeSha256Hex } from './dir-source.ts'

export async function verifyBundle (dir: string, opts: Partial<CheckBundleOptions> = {}): Promise<VerifyReport> {
  return await checkBundle(dirSource(dir), dir, { sha256Hex: nodeSha256Hex, ...opts })
}
