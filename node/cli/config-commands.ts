/**
 * `liaison config show` (the effective configuration: file, defaults and LIAISON_* overrides,
 * with where each secret lives — never a secret itself) and `liaison config check [FILE]`
 * (validate a config file, and optionally a policy file, without starting anything).
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises'
import { dataDirPaths, envOverrides, loadConfig, parseConfig, type Config } from '../config/index.ts'
import { loadNodePolicy } from '../policy/index.ts'
import { NodeError } from '../errors.ts'
import { str, print, type Parsed } from './args.ts'
import type { Invocation } from './spec.ts'
import { readRuntime } from './context.ts'

export interface SecretLocation {
  file: string
  present: boolean
  /** Octal file mode, e.g. "600"; a warning is printed when group or others can read it. */
  mode?: string
}

export interface ConfigReport {
  dataDir: string
  configFile: string
  config: Config
  /** Keys whose value came from the environment rather than the file. */
  overrides: Array<{ variable: string, path: string }>
  policy: { file: string, present: boolean }
  secrets: { apiToken: SecretLocation, identityKey: SecretLocation }
  running?: { pid: number, apiUrl: string, addresses: string[] }
}

export async function configCommand (p: Invocation): Promise<number> {
  return p.sub === 'show' ? await show(p) : await check(p)
}

async function locate (file: string): Promise<SecretLocation> {
  try {
    const s = await stat(file)
    return { file, present: true, mode: (s.mode & 0o777).toString(8) }
  } catch {
    return { file, present: false }
  }
}

/** The effective configuration of a data directory, secrets replaced by where they live. */
export async function configReport (dir: string, env: NodeJS.ProcessEnv = process.env): Promise<ConfigReport> {
  const paths = dataDirPaths(dir)
  const config = await loadConfig(paths.config, env)
  const runtime = await readRuntime(dir)
  return {
    dataDir: paths.root,
    configFile: paths.config,
    config,
    overrides: envOverrides(env).map(o => ({ variable: o.variable, path: o.path.join('.') })),
    policy: { file: paths.policy, present: (await locate(paths.policy)).present },
    secrets: { apiToken: await locate(paths.token), identityKey: await locate(paths.identity) },
    ...(runtime != null ? { running: { pid: runtime.pid, apiUrl: runtime.apiUrl, addresses: runtime.addresses } } : {})
  }
}

async function show (p: Parsed): Promise<number> {
  const report = await configReport(p.dataDir)
  if (p.values.json === true) {
    print(report)
    return 0
  }
  const out: string[] = [
    `# effective configuration of ${report.dataDir}`,
    `# from ${report.configFile}, defaults applied${report.overrides.length > 0 ? ', overridden by the environment:' : ''}`,
    ...report.overrides.map(o => `#   ${o.path} ← ${o.variable}`),
    JSON.stringify(report.config, null, 2),
    '',
    `policy        ${report.policy.file}${report.policy.present ? '' : '  (absent: defaults; see `liaison policy show`)'}`,
    `API token     ${describeSecret(report.secrets.apiToken)}`,
    `identity key  ${describeSecret(report.secrets.identityKey)}`,
    report.running != null ? `running       pid ${report.running.pid}, API ${report.running.apiUrl}` : 'running       no'
  ]
  process.stdout.write(out.join('\n') + '\n')
  return 0
}

function describeSecret (s: SecretLocation): string {
  if (!s.present) return `${s.file}  (missing)`
  const open = s.mode != null && (parseInt(s.mode, 8) & 0o077) !== 0
  return `${s.file}  (mode ${s.mode ?? '?'}${open ? ' — WARNING: readable by others; chmod 600' : ''}; contents never shown)`
}

async function check (p: Parsed): Promise<number> {
  const file = p.positionals[0] ?? dataDirPaths(p.dataDir).config
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new NodeError('CONFIG_INVALID', `cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
  // The file on its own first, then with the environment's overrides (what the node would run).
  parseConfig(text, file)
  const overrides = envOverrides(process.env)
  if (overrides.length > 0) parseConfig(text, `${file} with ${overrides.map(o => o.variable).join(', ')}`, process.env)
  const policyFile = str(p, 'policy')
  if (policyFile != null) {
    // A missing policy file means "defaults" to a node, but here it is a mistake.
    if (!(await locate(policyFile)).present) throw new NodeError('CONFIG_INVALID', `cannot read ${policyFile}: no such file`)
    await loadNodePolicy(policyFile)
  }
  if (p.values.json === true) print({ ok: true, file, ...(policyFile != null ? { policy: policyFile } : {}) })
  else {process.stdout.write(`${file}: valid${
      overrides.length > 0
        ? ` (also with ${overrides.map(o => o.variable).join(', ')})`
        : ''
    }\n${policyFile != null ? `${policyFile}: valid\n` : ''}`)}
  return 0
}
