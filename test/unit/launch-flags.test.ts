import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { startFlags } from '../../scripts/node-driver.ts'

const root = new URL('../../', import.meta.url)

describe('how a node is launched', () => {
  it('npm start and the systemd unit run the compiled entry point with the same Node flags, and benchmark agents take them from npm start', async () => {
    const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }
    const start = pkg.scripts.start.split(/\s+/)
    // exec: npm's shell becomes the node, so a signal to npm (forwarded to its child) reaches it.
    expect(start[0]).toBe('exec')
    start.shift()
    expect(start[0]).toBe('node')
    expect(start.slice(-2)).toEqual(['dist/node/cli/liaison.js', 'up'])
    // npm start and `npm ci` build first; the compiled node refuses a stale build.
    expect(pkg.scripts.prestart).toBe('node scripts/build.ts')
    expect(pkg.scripts.prepare).toBe('node scripts/build.ts')

    const unit = await readFile(new URL('config/liaison.service', root), 'utf8')
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1].split(/\s+/) ?? []
    expect(execStart[0]).toBe('/opt/liaison/node_modules/.bin/node')
    const entry = execStart.indexOf('/opt/liaison/dist/node/cli/liaison.js')
    expect(entry).toBeGreaterThan(0)
    expect(execStart.slice(1, entry)).toEqual(startFlags())
    expect(startFlags()).toEqual(start.slice(1, start.indexOf('dist/node/cli/liaison.js')))
  })
})
