import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { readdir, rm } from 'node:fs/promises'
import { tempDir } from '../../scripts/node-driver.ts'

const DEMO = new URL('../../scripts/demo.ts', import.meta.url).pathname

describe('npm run demo', () => {
  let root: string
  let result: { code: number, stdout: string, stderr: string, ms: number }

  beforeAll(async () => {
    root = await tempDir('liaison-demo-test-')
    const started = Date.now()
    result = await new Promise(resolve => {
      execFile(process.execPath, [DEMO, '--dir', root], { maxBuffer: 16 * 1024 * 1024, timeout: 170_000 }, (err, stdout, stderr) => {
        const code = err == null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1
        resolve({ code, stdout, stderr, ms: Date.now() - started })
      })
    })
  }, 175_000)

  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('runs three agencies end to end and exits 0', () => {
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toContain('Every step behaved as described.')
    expect(result.stdout).not.toContain('✗')
  })

  it('narrates each scenario the issue asks for', () => {
    const out = result.stdout
    expect(out).toMatch(/delivered: message [0-9a-f-]{36}/)
    expect(out).toContain("B's receipt verifies under B's key")
    expect(out).toMatch(/refused: error RECIPIENT_REFUSED: .*TLP_NOT_PERMITTED/)
    expect(out).toContain('connection refused: peer is not active on the trust list')
    expect(out).toMatch(/refused: error FORWARD_NOT_PERMITTED/)
    expect(out).toContain('C accepted the forward')
    expect(out).toContain('A, B and C stopped cleanly')
    // The audit steps either pass or say plainly that the command does not exist yet.
    expect(out).toMatch(/audit verify: not available yet|✓ A: [\s\S]*✓ B: [\s\S]*✓ C: /)
    expect(out).toMatch(/audit export: not available yet|bundle written to/)
  })

  it('prints where the data directories are and keeps them', async () => {
    expect(result.stdout).toContain(`Data directories under ${root}`)
    expect((await readdir(root)).sort()).toEqual(expect.arrayContaining(['a', 'b', 'c', 'd', 'a.log', 'cards']))
  })

  it('finishes well within its two-minute watchdog', () => {
    expect(result.ms).toBeLessThan(120_000)
  })
})
