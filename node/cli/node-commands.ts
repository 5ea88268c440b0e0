/**
 * `liaison start` (the node in the foreground, as systemd runs it) and `liaison up` (what
 * `npm start` runs: initialise the data directory on first use, start, and tell the operator
 * who this node is and what to do next).
 *
 * Logs are pino JSON lines on stdout, or human-readable (pino-pretty) on a terminal or with
 * `--log-format pretty`. SIGINT/SIGTERM stop the node gracefully (exit 0); a second signal (not the same one repeated within SIGNAL_REPEAT_WINDOW_MS)
 * exits at once; SIGHUP reloads DIR/policy.json.
 *
 * @module
 */
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { createNodeLogger } from '../runtime/logger.ts'
import type { LogFormat } from '../runtime/index.ts'
import { keyFingerprint } from '../../protocol/fingerprint.ts'
import { LiaisonNode } from '../runtime/liaison-node.ts'
import { initDataDir, isInitialised, dataDirPaths, configSchema, loadConfig } from '../config/index.ts'
import { DEFAULT_DATA_DIR, DEFAULT_SHUTDOWN_GRACE_MS, SIGNAL_REPEAT_WINDOW_MS } from '../defaults.ts'
import { str, type Parsed } from './args.ts'
import type { Invocation } from './spec.ts'
import { readRuntime } from './context.ts'
import { NodeError } from '../errors.ts'

export async function startCommand (p: Invocation): Promise<number> {
  return await runNode(p, false)
}

export async function upCommand (p: Invocation): Promise<number> {
  if (!await isInitialised(p.dataDir)) {
    const name = str(p, 'name') ?? nonEmpty(process.env.LIAISON_NAME) ?? hostname()
    const { peerId } = await initDataDir(p.dataDir, { name })
    process.stdout.write(`Initialised a new node "${name}" in ${p.dataDir} (peer ID ${peerId}).\n`)
  }
  return await runNode(p, true)
}

function nonEmpty (v: string | undefined): string | undefined {
  return v == null || v.trim() === '' ? undefined : v
}

function logOptions (p: Parsed, configLevel: string): { level: string, format: LogFormat } {
  const level = str(p, 'log-level') ?? configLevel
  if (!configSchema.shape.logLevel.unwrap().options.includes(level as never)) {
    throw new NodeError('BAD_ARGUMENT', `--log-level ${level}: expected one of ${configSchema.shape.logLevel.unwrap().options.join(', ')}`)
  }
  const format = str(p, 'log-format') ?? (p.values.pretty === true ? 'pretty' : process.stdout.isTTY ? 'pretty' : 'json')
  if (format !== 'json' && format !== 'pretty') throw new NodeError('BAD_ARGUMENT', `--log-format ${format}: expected json or pretty`)
  return { level, format }
}

async function runNode (p: Parsed, banner: boolean): Promise<number> {
  const dir = p.dataDir
  if (await readRuntime(dir) != null) {
    throw new NodeError('DATA_DIR_IN_USE', `a node is already running on ${dir} (see ${dataDirPaths(dir).runtime})`)
  }
  const config = await loadConfig(dataDirPaths(dir).config)
  const { level, format } = logOptions(p, config.logLevel)
  const logger = createNodeLogger(level, format)
  let node: LiaisonNode
  try {
    node = await LiaisonNode.start(dir, { logger })
  } catch (err) {
    // Whatever a failed start left open (a listening socket) must not keep the process alive.
    setTimeout(() => {
      process.exit(1)
    }, 2000).unref()
    throw err
  }
  if (banner) process.stdout.write(bannerText(node))
  return await new Promise<number>(resolveExit => {
    let stopping = false
    let first: { signal: NodeJS.Signals, at: number } | undefined
    const shutdown = (signal: NodeJS.Signals): void => {
      // The same signal again at once is the same request delivered twice (npm forwards what
      // the terminal already sent to the whole process group), not an impatient operator.
      if (first !== undefined && first.signal === signal && performance.now() - first.at < SIGNAL_REPEAT_WINDOW_MS) return
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without waiting for the graceful stop')
        process.exit(signal === 'SIGINT' ? 130 : 143)
      }
      stopping = true
      first = { signal, at: performance.now() }
      logger.info({ signal }, 'shutdown requested')
      const timer = setTimeout(() => {
        logger.error({ graceMs: DEFAULT_SHUTDOWN_GRACE_MS }, 'graceful shutdown timed out; exiting')
        process.exit(1)
      }, DEFAULT_SHUTDOWN_GRACE_MS)
      timer.unref()
      node.stop().then(
        () => {
          clearTimeout(timer)
          detach()
          resolveExit(0)
        },
        (err: unknown) => {
          clearTimeout(timer)
          logger.error({ err }, 'shutdown failed')
          detach()
          resolveExit(1)
        }
      )
    }
    const reload = (): void => {
      node.service.reloadPolicy().then(
        (policy) => {
          logger.child({ component: 'policy' }).info({ policy }, 'policy reloaded')
        },
        (err: unknown) => {
          logger.child({ component: 'policy' }).error({ err }, 'policy reload failed; the previous policy stays in force')
        }
      )
    }
    const detach = (): void => {
      process.off('SIGINT', shutdown)
      process.off('SIGTERM', shutdown)
      process.off('SIGHUP', reload)
    }
    process.on('SIGINT', shutdown)
    process.on('SIGTERM', shutdown)
    process.on('SIGHUP', reload)
  })
}

/** What `npm start` prints once the node runs: who it is, where things are, what next. */
export function bannerText (node: LiaisonNode): string {
  const info = node.runtime()
  const paths = node.paths
  const jurisdiction = node.config.jurisdiction != null ? ` (${node.config.jurisdiction})` : ''
  // Commands run from the same directory find ./data by themselves.
  const dd = paths.root === resolve(DEFAULT_DATA_DIR) ? '' : ` --data-dir ${paths.root}`
  const addresses = info.addresses.length > 0 ? info.addresses : ['(none)']
  return [
    '',
    `Liaison node "${info.name}"${jurisdiction} is running.`,
    '',
    `  peer ID      ${info.peerId}`,
    `  fingerprint  ${keyFingerprint(node.signer.publicKey)}   (partners confirm this over a separate channel)`,
    ...addresses.map((a, i) => `  ${i === 0 ? 'listening' : '         '}    ${a}`),
    `  local API    ${info.apiUrl}   (loopback only; bearer token required)`,
    `  console      ${info.consoleUrl}   (log in with the API token)`,
    ...(info.taxiiUrl != null ? [`  TAXII 2.1    ${info.taxiiUrl}   (clients: npx liaison taxii clients add${dd} NAME --collections ID:rw)`] : []),
    `  data         ${paths.root}`,
    `  config       ${paths.config}   (see the effective config: npx liaison config show${dd})`,
    `  policy       ${paths.policy}`,
    `  API token    ${paths.token}   (mode 0600; never printed)`,
    '',
    'Next, in another terminal:',
    `  npx liaison card export${dd} --out my-card.json     # give this card to a partner agency`,
    `  npx liaison peers add${dd} --card their-card.json --fingerprint XXXX-XXXX-XXXX-XXXX-XXXX-XXXX \\`,
    '      --agreement AGREEMENT-ID:2025-01-01:2026-12-31   # after confirming their fingerprint',
    `  npx liaison send${dd} --to PEER_ID --tlp AMBER --topic fraud --legal-basis AGREEMENT-ID --body report.json --wait`,
    `  npx liaison inbox${dd}`,
    '',
    'Stop with Ctrl-C.',
    ''
  ].join('\n') + '\n'
}
