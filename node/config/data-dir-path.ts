/**
 * Which data directory a command means: --data-dir, else LIAISON_DATA_DIR, else ./data. Apart
 * from data-dir.ts (keys, init) so that the CLI's parser can name it without loading them.
 *
 * @module
 */
import { resolve } from 'node:path'
import { DEFAULT_DATA_DIR } from '../defaults.ts'

/** --data-dir, else LIAISON_DATA_DIR, else ./data. */
export function resolveDataDir (flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? (env.LIAISON_DATA_DIR != null && env.LIAISON_DATA_DIR !== '' ? env.LIAISON_DATA_DIR : DEFAULT_DATA_DIR))
}
