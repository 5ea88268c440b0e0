/**
 * Driving real `liaison` processes the way an operator does: run CLI commands to completion,
 * start nodes in the background with their logs in a file, wait for them to be up, stop them
 * with a signal. Used by `npm run demo` (scripts/demo.ts), the soak scripts and the end-to-end
 * tests (their TestNode in test/helpers/node-process.ts is a NodeProcess).
 *
 * @example
 * ```ts
 * const res = await cli(['init', '--data-dir', dir, '--name', 'Rotterdam'])
 * const node = new NodeProcess('a', dir, `${dir}.log`)
 * const info = await node.start()          // waits for DIR/node.json naming the child's pid
 * await node.stop('SIGTERM')               // resolves with the exit code
 * ```
 *
 * @module
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RuntimeInfo } from '../node/runtime/liaison-node.ts'

/** The CLI entry point (node/cli/liaison.ts), run with this process's Node. */
export const CLI = new URL('../node/cli/liaison.ts', import.meta.url).pathname

const PROJECT = new URL('../', import.meta.url).pathname

/**
 * The Node flags `npm start` runs the node with (package.json), e.g. `--max-semi-space-size=4`.
 * NodeProcess and the benchmark agents start nodes with them too: tests run what operators run.
 */
export function startFlags (root = PROJECT): string[] {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start
  // `exec node …`: the shell npm runs the script in becomes the node, so npm's signals reach it.
  const words = start.split(/\s+/).filter((w, i) => !(i === 0 && w === 'exec'))
  if (words[0] !== 'node') throw new Error(`package.json start script does not run node: ${start}`)
  const flags: string[] = []
  for (const word of words.slice(1)) {
    if (!word.startsWith('--')) break
    flags.push(word)
  }
  return flags
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Run `liaison ARGS` to completion. */
export async function cli (args: string[], opts: { input?: string, env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return await new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err == null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1
      resolve({ code, stdout, stderr })
    })
    if (opts.input != null) child.stdin?.end(opts.input)
    else child.stdin?.end()
  })
}

/** A TCP port free on loopback right now (for fixed listen addresses that survive restarts). */
/** Ports handed out by this process, never handed out twice. */
const handedOut = new Set<number>()

/** The kernel's range for ephemeral ports (Linux), where outgoing connections take theirs. */
function ephemeralRange (): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    if (Number.isInteger(lo) && Number.isInteger(hi) && lo > 1024) return [lo, hi]
  } catch {}
  return [32768, 60999]
}

async function canListen (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const server = createServer()
    server.once('error', () => {
      resolve(false)
    })
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true)
      })
    })
  })
}

/**
 * A TCP port on 127.0.0.1 that is free now, for a node to listen on once it starts. Chosen below
 * the ephemeral range: a port the kernel picked (`listen(0)`) can be taken, before the node
 * binds it, as the source port of any outgoing connection — with thirty nodes dialling each
 * other that happened (EADDRINUSE). Below the range only another listener can take it.
 */
export async function freePort (): Promise<number> {
  const [ephemeralLow] = ephemeralRange()
  const low = 10_000
  const high = ephemeralLow - 1
  for (let attempt = 0; attempt < 200 && high > low; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1))
    if (handedOut.has(port) || !await canListen(port)) continue
    handedOut.add(port)
    return port
  }
  throw new Error(`no free port found between ${low} and ${high}`)
}

export async function tempDir (prefix = 'liaison-'): Promise<string> {
  return await mkdtemp(join(tmpdir(), prefix))
}

/** Poll until `check` returns true (or throw after `timeoutMs`). */
export async function until (check: () => Promise<boolean> | boolean, timeoutMs = 30_000, what = 'condition', intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** How a node's process is run, beyond its `liaison start` arguments. */
export interface NodeSpawnOptions {
  /** Options for Node itself, before the CLI (e.g. `--import` of a preload script). */
  execArgv?: string[]
  /** Merged into this process's environment. */
  env?: NodeJS.ProcessEnv
}

/** A node running as `liaison start` in the background. */
export class NodeProcess {
  readonly name: string
  readonly dir: string
  /** Where stdout and stderr (the JSON log lines) go; also kept in `output`. */
  readonly logFile: string | undefined
  child: ChildProcess | undefined
  runtime: RuntimeInfo | undefined
  output = ''
  private exited: Promise<number | null> | undefined
  private log: WriteStream | undefined

  constructor (name: string, dir: string, logFile?: string) {
    this.name = name
    this.dir = dir
    this.logFile = logFile
  }

  /** Start and wait until DIR/node.json names this child (the API is then listening). */
  async start (args: string[] = [], timeoutMs = 30_000, spawnOpts: NodeSpawnOptions = {}): Promise<RuntimeInfo> {
    await rm(join(this.dir, 'node.json'), { force: true })
    const argv = [...startFlags(), ...(spawnOpts.execArgv ?? []), CLI, 'start', '--data-dir', this.dir, '--log-format', 'json', ...args]
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...spawnOpts.env } })
    this.child = child
    this.log = this.logFile != null ? createWriteStream(this.logFile, { flags: 'a' }) : undefined
    const take = (d: Buffer): void => {
      this.output += d.toString()
      this.log?.write(d)
    }
    child.stdout?.on('data', take)
    child.stderr?.on('data', take)
    this.exited = new Promise(resolve => {
      child.once('exit', (code, signal) => {
        resolve(code ?? (signal != null ? 128 : null))
      })
    })
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      try {
        const info = JSON.parse(await readFile(join(this.dir, 'node.json'), 'utf8')) as RuntimeInfo
        if (info.pid === child.pid) {
          this.runtime = info
          return info
        }
      } catch {}
      if (child.exitCode != null) throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.output}`)
      await new Promise(resolve => setTimeout(resolve, 25))
    }
    throw new Error(`${this.name} did not start within ${timeoutMs} ms:\n${this.output}`)
  }

  get running (): boolean {
    return this.child != null && this.child.exitCode == null
  }

  /** Send `signal` and resolve with the exit code once the process is gone. */
  async stop (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child == null) return null
    if (this.child.exitCode == null) this.child.kill(signal)
    const code = await this.exited
    this.child = undefined
    await new Promise<void>(resolve => {
      if (this.log != null) this.log.end(resolve)
      else resolve()
    })
    this.log = undefined
    return code ?? null
  }

  /** kill -9: no cleanup at all. */
  async crash (): Promise<void> {
    if (this.child == null) return
    this.child.kill('SIGKILL')
    await this.exited
    this.child = undefined
  }
}
