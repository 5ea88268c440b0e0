/**
 * The TAXII listener with TLS: a configured certificate and key make it HTTPS only, and the
 * URL in node.json says so. (A non-loopback listen address without TLS is refused by the
 * config schema: test/unit/config.test.ts.)
 */
import { execFileSync } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestNode, cli, tempDir } from '../helpers/node-process.ts'

describe('TAXII over TLS', () => {
  let root: string
  let node: TestNode
  let ca: string

  beforeAll(async () => {
    root = await tempDir()
    node = await TestNode.create({ name: 'tls', root })
    const cert = join(root, 'taxii.crt')
    const key = join(root, 'taxii.key')
    execFileSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert
    ], { stdio: 'ignore' })
    ca = await readFile(cert, 'utf8')
    const file = join(node.dir, 'config.json')
    const config = JSON.parse(await readFile(file, 'utf8'))
    config.taxii = { listen: '127.0.0.1:0', tls: { cert, key } }
    await writeFile(file, JSON.stringify(config))
    await node.start()
  })

  afterAll(async () => {
    await node?.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('serves discovery over HTTPS with the configured certificate, and not over plain HTTP', async () => {
    const url = node.runtime?.taxiiUrl as string
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/taxii2\/$/)
    const res = await cli(['taxii', 'collections', 'add', '--data-dir', node.dir, '--inbound'])
    const id = res.stdout.trim()
    const client = JSON.parse((await cli(['taxii', 'clients', 'add', 'c', '--data-dir', node.dir, '--collections', `${id}:r`, '--json'])).stdout) as {
      name: string,
      secret: string
    }
    const body = await new Promise<{ status: number, text: string }>((resolve, reject) => {
      const req = request(url, { ca, headers: { authorization: `Bearer ${client.secret}`, accept: 'application/taxii+json;version=2.1' } }, (r) => {
        let text = ''
        r.on('data', (c: Buffer) => {
          text += c.toString()
        })
        r.on('end', () => {
          resolve({ status: r.statusCode ?? 0, text })
        })
      })
      req.on('error', reject)
      req.end()
    })
    expect(body.status).toBe(200)
    expect((JSON.parse(body.text) as { api_roots: string[] }).api_roots[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/api1\/$/)
    await expect(fetch(url.replace('https:', 'http:'))).rejects.toThrow()
  })
})
