import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { appendFile, cp, mkdir, readFile, rm, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { tempDir, until } from '../../scripts/node-driver.ts'
import { build } from '../../scripts/build.ts'
import { readStamp } from '../../scripts/build-stamp.ts'
import { startFlags } from '../../scripts/node-driver.ts'

const PROJECT = fileURLToPath(new URL('../../', import.meta.url))
const run = promisify(execFile)

describe('npm start runs the compiled build', () => {
  let root: string

  beforeAll(async () => {
    root = await tempDir('liaison-build-')
    build(PROJECT)
  })

  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('starts the node from dist/ with the flags of package.json (npm start), and it stops cleanly on Ctrl-C', async () => {
    const dir = join(root, 'data')
    // Its own process group, so that Ctrl-C reaches npm, its shell and the node as at a terminal.
    const child = spawn('npm', ['start'], {
      cwd: PROJECT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LIAISON_DATA_DIR: dir, LIAISON_NAME: 'Build Test Agency', LIAISON_LOG_LEVEL: 'warn' }
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString()
    })
    const exited = new Promise<void>(resolve => {
      child.once('exit', () => {
        resolve()
      })
    })
    let pid = 0
    try {
      await until(() => output.includes('Stop with Ctrl-C.') || child.exitCode != null, 60_000, 'the banner')
      expect(output).toContain('Liaison node "Build Test Agency" is running.')
      pid = (JSON.parse(await readFile(join(dir, 'node.json'), 'utf8')) as { pid: number }).pid
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(a => a !== '')
      expect(argv.slice(1)).toEqual([...startFlags(), 'dist/node/cli/liaison.js', 'up'])
    } catch (err) {
      process.kill(-(child.pid as number), 'SIGKILL')
      throw new Error(`${(err as Error).message}\n${output}`)
    }
    process.kill(-(child.pid as number), 'SIGINT')
    await exited
    // The node stops gracefully (it removes its runtime file); npm-start-signals.test.ts checks the exit codes.
    await until(() => !existsSync(`/proc/${pid}`), 30_000, 'the node to exit')
    expect(existsSync(join(dir, 'node.json'))).toBe(false)
    expect(output).not.toMatch(/shutdown failed|timed out/)
  })

  it('refuses to start a build whose sources have changed since (BUILD_STALE, exit 1) until it is built again', async () => {
    // A copy of the project (its build inputs, the build and package.json; node_modules linked),
    // so that changing a source does not touch the checkout.
    const copy = join(root, 'project')
    const stamp = readStamp(join(PROJECT, 'dist'))
    if (stamp == null) throw new Error('no build')
    for (const file of [...Object.keys(stamp.inputs), 'package.json', 'scripts/build.ts', 'scripts/build-stamp.ts']) {
      await mkdir(dirname(join(copy, file)), { recursive: true })
      await cp(join(PROJECT, file), join(copy, file))
    }
    await cp(join(PROJECT, 'dist'), join(copy, 'dist'), { recursive: true })
    await symlink(join(PROJECT, 'node_modules'), join(copy, 'node_modules'))
    const liaison = async (): Promise<{ code: number, stdout: string, stderr: string }> =>
      await run(process.execPath, [join(copy, 'dist/node/cli/liaison.js'), '--help']).then(
        r => ({ code: 0, ...r }),
        (err: { code: number, stdout: string, stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr })
      )

    expect((await liaison()).code).toBe(0)
    await appendFile(join(copy, 'protocol/uuid.ts'), '// changed after the build\n')
    const stale = await liaison()
    expect(stale.code).toBe(1)
    expect(stale.stderr).toMatch(/^error BUILD_STALE: .*built from other sources.*\(protocol\/uuid\.ts changed since\); run npm run build\n$/)
    await run(process.execPath, [join(copy, 'scripts/build.ts')])
    expect((await liaison()).code).toBe(0)
  })
})
