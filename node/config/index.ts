/**
 * How a node is set up on disk: its configuration file and its data directory.
 *
 * - config.ts — `DIR/config.json`: the strict schema, defaults (node/defaults.ts) and
 *   `LIAISON_*` environment overrides applied, validated once and frozen (`loadConfig`,
 *   `validateConfig`); docs/configuration.md documents every key.
 * - data-dir.ts — the data directory's layout (`dataDirPaths`), `liaison init`
 *   (`initDataDir`), the identity key and its rotation files, the API token, revocation
 *   certificates.
 * - data-dir-path.ts — which data directory a command means (`--data-dir`,
 *   `LIAISON_DATA_DIR`, `./data`); apart so that the CLI's parser can name it without loading
 *   the rest (import it directly there, not through this face).
 *
 * @example
 * ```ts
 * const paths = dataDirPaths(dir)
 * const config = await loadConfig(paths.config)
 * const { signer } = await loadIdentity(dir)
 * ```
 *
 * @module
 */
export {
  applyEnv,
  configSchema,
  describeProblems,
  ENV_VARIABLES,
  envOverrides,
  loadConfig,
  parseConfig,
  taxiiAddress,
  validateConfig,
  type Config,
  type EnvOverride
} from './config.ts'
export {
  createNextIdentity,
  dataDirPaths,
  initDataDir,
  isInitialised,
  loadIdentity,
  loadKeyHistory,
  loadNextIdentity,
  readApiToken,
  revocationCertificatePath,
  switchIdentity,
  writeRevocationCertificate,
  type DataDirPaths,
  type Identity,
  type InitOptions,
  type OwnKey
} from './data-dir.ts'
export { resolveDataDir } from './data-dir-path.ts'
