/**
 * `liaison start` (foreground node) and `liaison up` (what `npm start` runs: initialise the
 * data directory on first use, then start and say what to do next).
 *
 * @module
 */
import { hostname } from 'node:os'
import { LiaisonNode } from '../liaison-node.ts'
import { initDataDir, isInitialised, dataDirPaths } from '../data-dir.ts'
import { loadConfig } from '../config.ts'
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../defaults.ts'
import { parse, str } from './args.ts'
import { createLogger, readRuntime } from './context.ts'
import { NodeError } from '../errors.ts'

const START_OPTIONS = {
  'log-level': { type: 'string' },
  pretty: { type: 'boolean' }
} as const

export async function startCommand (argv: string[]): Promise<number> {
  const p = parse(argv, START_OPTIONS)
  return await runNode(p.dataDir, str(p, 'log-level'), p.values.pretty as boolean | undefined, false)
}

export async function upCommand (argv: string[]): Promise<number> {
  const p = parse(argv, { ...START_OPTIONS, name: { type: 'string' } })
  if (!await isInitialised(p.dataDir)) {
    const name = str(p, 'name') ?? process.env.LIAISON_NAME ?? hostname()
    const { peerId } = await initDataDir(p.dataDir, { name })
    process.stdout.write(`Initialised a new node "${name}" in ${p.dataDir} (peer ID ${peerId}).\n`)
  }
  return await runNode(p.dataDir, str(p, 'log-level'), p.values.pretty as boolean | undefined, true)
}

async function runNode (dir: string, logLevel: string | undefined, pretty: boolean | undefined, banner: boolean): Promise<number> {
  if (await readRuntime(dir) != null) {
    throw new NodeError('DATA_DIR_IN_USE', `a node is already running on ${dir} (see ${dataDirPaths(dir).runtime})`)
  }
  const config = await loadConfig(dataDirPaths(dir).config)
  const logger = createLogger(logLevel ?? config.logLevel, pretty ?? process.stdout.isTTY)
  const node = await LiaisonNode.start(dir, { logger })
  if (banner) printBanner(node)
  return await new Promise<number>(resolve => {
    const shutdown = (signal: string): void => {
      logger.info({ signal }, 'shutdown requested')
      const timer = setTimeout(() => { logger.error('graceful shutdown timed out'); resolve(1) }, DEFAULT_SHUTDOWN_GRACE_MS)
      node.stop().then(() => { clearTimeout(timer); resolve(0) }, (err: unknown) => { logger.error({ err }, 'shutdown failed'); resolve(1) })
    }
    process.once('SIGINT', shutdown)
    process.once('SIGTERM', shutdown)
    process.on('SIGHUP', () => {
      node.service.reloadPolicy().then(
        (policy) => { logger.info({ policy }, 'policy reloaded') },
        (err: unknown) => { logger.error({ err }, 'policy reload failed; the previous policy stays in force') }
      )
    })
  })
}

function printBanner (node: LiaisonNode): void {
  const info = node.runtime()
  const paths = node.paths
  process.stdout.write([
    '',
    `Liaison node "${info.name}" is running.`,
    `  peer ID      ${info.peerId}`,
    ...info.addresses.map((a, i) => `  ${i === 0 ? 'listening   ' : '            '} ${a}`),
    `  local API    ${info.apiUrl}  (token in ${paths.token})`,
    `  config       ${paths.config}`,
    `  data         ${paths.root}`,
    '',
    'Next, in another terminal:',
    `  npx liaison id --data-dir ${paths.root}`,
    `  npx liaison peers add --data-dir ${paths.root} --peer-id <ID> --name <NAME> --address <MULTIADDR>`,
    `  npx liaison send --data-dir ${paths.root} --to <ID> --kind report --tlp AMBER --topic <slug> --legal-basis <agreement> --body msg.json`,
    'Stop with Ctrl-C.',
    ''
  ].join('\n') + '\n')
}
