/**
 * `npm start` stops when it is told to, however it is told: SIGTERM to npm's PID (what systemd,
 * Docker and most supervisors send), SIGINT to npm's PID, and Ctrl-C (SIGINT to the whole
 * process group, as a terminal sends it). Each time the node stops gracefully (it removes its
 * runtime file), no node process is left behind, and the npm command exits 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir, until } from '../../scripts/node-driver.ts'
import { build } from '../../scripts/build.ts'

const PROJECT = fileURLToPath(new URL('../../', import.meta.url))

describe('npm start stops gracefully and exits 0 on a signal', () => {
  let root: string

  beforeAll(async () => {
    root = await tempDir('liaison-npm-signals-')
    build(PROJECT)
  })

  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  const cases: Array<[string, NodeJS.Signals, 'npm' | 'group']> = [
    ["SIGTERM sent to npm's PID only", 'SIGTERM', 'npm'],
    ["SIGINT sent to npm's PID only", 'SIGINT', 'npm'],
    ['Ctrl-C (SIGINT to the process group)', 'SIGINT', 'group']
  ]
  for (const [name, signal, target] of cases) {
    it(name, async () => {
      const dir = join(root, `data-${signal}-${target}`)
      // Its own process group, as under a terminal or a supervisor.
      const child = spawn('npm', ['start'], {
        cwd: PROJECT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LIAISON_DATA_DIR: dir, LIAISON_NAME: 'Signal Test Agency', LIAISON_LOG_LEVEL: 'warn' }
      })
      let output = ''
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString()
      })
      child.stderr.on('data', (d: Buffer) => {
        output += d.toString()
      })
      const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
        child.once('exit', (code, sig) => {
          resolve({ code, signal: sig })
        })
      })
      let pid = 0
      try {
        await until(() => output.includes('Stop with Ctrl-C.') || child.exitCode != null, 60_000, 'the banner')
        pid = (JSON.parse(await readFile(join(dir, 'node.json'), 'utf8')) as { pid: number }).pid
        expect(existsSync(`/proc/${pid}`)).toBe(true)
      } catch (err) {
        process.kill(-(child.pid as number), 'SIGKILL')
        throw new Error(`${(err as Error).message}\n${output}`)
      }
      try {
        if (target === 'npm') process.kill(child.pid as number, signal)
        else process.kill(-(child.pid as number), signal)
        const result = await Promise.race([
          exited,
          new Promise<'hung'>(resolve => {
            setTimeout(() => {
              resolve('hung')
            }, 30_000)
          })
        ])
        expect(result, output).toEqual({ code: 0, signal: null })
        await until(() => !existsSync(`/proc/${pid}`), 15_000, 'the node to exit')
        expect(existsSync(join(dir, 'node.json'))).toBe(false)
        expect(output).not.toMatch(/shutdown failed|timed out/)
      } finally {
        // Whatever went wrong, leave nothing running.
        try {
          process.kill(-(child.pid as number), 'SIGKILL')
        } catch {}
        try {
          if (pid !== 0) process.kill(pid, 'SIGKILL')
        } catch {}
      }
    })
  }
})
