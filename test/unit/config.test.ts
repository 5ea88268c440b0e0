import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { ENV_VARIABLES, applyEnv, configSchema, envOverrides, parseConfig, validateConfig } from '../../node/config/config.ts'
import { NodeError, NODE_ERROR_CODES } from '../../node/errors.ts'
import { REASON_CODES } from '../../protocol/errors.ts'
import { validateNodePolicy } from '../../node/policy/index.ts'
import * as D from '../../node/defaults.ts'

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

/** The problems a config is rejected with (CONFIG_INVALID details). */
function problems (value: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(JSON.stringify(value), 'config.json', env)
  } catch (err) {
    expect(err).toBeInstanceOf(NodeError)
    expect((err as NodeError).code).toBe('CONFIG_INVALID')
    return (err as NodeError).details as string[]
  }
  throw new Error('the config was accepted')
}

/** Every key path of the schema, e.g. api.port. */
function keyPaths (shape: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = []
  for (const [key, schema] of Object.entries(shape)) {
    out.push(prefix + key)
    let s = schema as { _zod: { def: { type: string, innerType?: unknown, shape?: Record<string, unknown> } } }
    while (s._zod.def.innerType != null) s = s._zod.def.innerType as typeof s
    if (s._zod.def.type === 'object' && s._zod.def.shape != null) out.push(...keyPaths(s._zod.def.shape, `${prefix}${key}.`))
  }
  return out
}

describe('config validation', () => {
  it('applies the named defaults to a minimal config', () => {
    const config = validateConfig({ name: 'A' })
    expect(config).toEqual({
      name: 'A',
      listen: D.DEFAULT_LISTEN,
      api: { host: D.DEFAULT_API_HOST, port: D.DEFAULT_API_PORT, allowNonLoopback: false },
      exchange: {
        deliveryWindow: D.DEFAULT_DELIVERY_WINDOW,
        retryBaseMs: D.DEFAULT_RETRY_BASE_MS,
        retryCapMs: D.DEFAULT_RETRY_CAP_MS,
        receiptTimeoutMs: D.DEFAULT_RECEIPT_TIMEOUT_MS,
        maxBatch: D.DEFAULT_MAX_BATCH,
        maxInboundStreams: D.DEFAULT_MAX_INBOUND_STREAMS,
        frameTimeoutMs: D.DEFAULT_FRAME_TIMEOUT_MS,
        inboundConnectionsPerHost: D.DEFAULT_INBOUND_CONNECTIONS_PER_HOST
      },
      audit: { witnessIntervalMs: D.DEFAULT_WITNESS_INTERVAL_MS, gossipIntervalMs: D.DEFAULT_WITNESS_GOSSIP_INTERVAL_MS },
      taxii: {
        listen: D.DEFAULT_TAXII_LISTEN,
        maxContentLength: D.DEFAULT_TAXII_MAX_CONTENT_LENGTH,
        pageSize: D.DEFAULT_TAXII_PAGE_SIZE,
        maxPageSize: D.DEFAULT_TAXII_MAX_PAGE_SIZE
      },
      query: { oprfKeyRotationDays: D.DEFAULT_OPRF_KEY_ROTATION_DAYS },
      logLevel: D.DEFAULT_LOG_LEVEL
    })
  })

  it('freezes the effective config, nested objects and arrays included', () => {
    const config = validateConfig({ name: 'A' })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.api)).toBe(true)
    expect(Object.isFrozen(config.exchange)).toBe(true)
    expect(Object.isFrozen(config.listen)).toBe(true)
    expect(() => {
      ;(config.api as { port: number }).port = 1
    }).toThrow(TypeError)
  })

  it('rejects unknown keys, at the top and nested, naming the path and the keys it expected', () => {
    expect(problems({ name: 'A', colour: 'blue' })).toEqual([
      'colour: unknown key; expected one of name, jurisdiction, listen, api, exchange, audit, taxii, query, logLevel'
    ])
    expect(problems({ name: 'A', api: { prot: 1 } })).toEqual(['api.prot: unknown key; expected one of host, port, allowNonLoopback'])
    expect(problems({ name: 'A', exchange: { retrycap: 1 } })[0]).toMatch(
      /^exchange\.retrycap: unknown key; expected one of deliveryWindow, retryBaseMs, retryCapMs, /
    )
  })

  it('names the path, the value found and what was expected', () => {
    expect(problems({ name: 'A', api: { port: 'eighty' } })).toEqual(['api.port: got "eighty"; expected a number'])
    expect(problems({ name: 'A', api: { port: 1.5 } })).toEqual(['api.port: got 1.5; expected an integer'])
    expect(problems({ name: 'A', api: { port: 70000 } })).toEqual(['api.port: got 70000; expected a number at most 65535'])
    expect(problems({ name: 'A', exchange: { deliveryWindow: 0 } })).toEqual(['exchange.deliveryWindow: got 0; expected a number at least 1'])
    expect(problems({ name: 'A', logLevel: 'chatty' })).toEqual([
      'logLevel: got "chatty"; expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent"'
    ])
    expect(problems({ name: 'A', jurisdiction: 'nl' })).toEqual(['jurisdiction: got "nl"; expected an ISO 3166-1 alpha-2 code such as NL'])
    expect(problems({ name: 'A', listen: ['127.0.0.1:4001'] })).toEqual([
      'listen.0: got "127.0.0.1:4001"; expected a TCP multiaddr such as /ip4/127.0.0.1/tcp/4001'
    ])
    expect(problems({ name: 'A', listen: [] })).toEqual(['listen: got an array of 0; expected at least 1 item'])
    expect(problems({ name: 'A', taxii: { listen: '0.0.0.0:9443' } })[0]).toMatch(
      /^taxii\.listen: got "0\.0\.0\.0:9443"; expected a loopback address, or set taxii\.tls/
    )
    expect(validateConfig({ name: 'A', taxii: { listen: '0.0.0.0:9443', tls: { cert: 'c.pem', key: 'k.pem' } } }).taxii.listen).toBe('0.0.0.0:9443')
    expect(problems({})).toEqual(['name: got nothing (the key is missing); expected a string'])
    expect(problems([])).toEqual(['(root): got an array of 0; expected an object'])
  })

  it('reports every problem at once, one per line, in the error message', () => {
    try {
      parseConfig('{ "api": { "port": -1 }, "x": 1 }', '/etc/liaison/config.json')
      expect.unreachable()
    } catch (err) {
      expect((err as Error).message).toBe([
        '/etc/liaison/config.json is invalid:',
        '  name: got nothing (the key is missing); expected a string',
        '  api.port: got -1; expected a number at least 0',
        '  x: unknown key; expected one of name, jurisdiction, listen, api, exchange, audit, taxii, query, logLevel'
      ].join('\n'))
    }
  })

  it('keeps a long or hostile value to one short line', () => {
    const [line] = problems({ name: 'x'.repeat(500) })
    expect(line.length).toBeLessThan(160)
    expect(line).toMatch(/^name: got "x+…; expected at most 128 characters$/)
  })

  it('rejects duplicate keys rather than silently taking the last', () => {
    expect(() => parseConfig('{ "name": "A", "name": "B" }', 'c.json')).toThrow(/c\.json is not valid JSON: .*duplicate key/)
  })

  it('binds the API beyond loopback only with api.allowNonLoopback', () => {
    expect(problems({ name: 'A', api: { host: '0.0.0.0' } })[0]).toMatch(/^api\.host: got "0\.0\.0\.0"; expected a loopback address .*api\.allowNonLoopback/)
    expect(validateConfig({ name: 'A', api: { host: '0.0.0.0', allowNonLoopback: true } }).api.host).toBe('0.0.0.0')
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(validateConfig({ name: 'A', api: { host } }).api.host).toBe(host)
  })
})

describe('environment overrides', () => {
  it('LIAISON_LISTEN, LIAISON_API_PORT and LIAISON_LOG_LEVEL override the file', () => {
    const config = parseConfig('{ "name": "A", "api": { "host": "127.0.0.1" } }', 'c.json', {
      LIAISON_LISTEN: '/ip4/0.0.0.0/tcp/4001, /ip6/::/tcp/4001',
      LIAISON_API_PORT: '7401',
      LIAISON_LOG_LEVEL: 'debug'
    })
    expect(config.listen).toEqual(['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001'])
    expect(config.api).toEqual({ host: '127.0.0.1', port: 7401, allowNonLoopback: false })
    expect(config.logLevel).toBe('debug')
  })

  it('ignores empty variables and never changes the parsed file object', () => {
    const file = { name: 'A', api: { port: 1 } }
    expect(applyEnv(file, { LIAISON_API_PORT: '', LIAISON_LOG_LEVEL: '  ' })).toEqual(file)
    applyEnv(file, { LIAISON_API_PORT: '2' })
    expect(file.api.port).toBe(1)
    expect(envOverrides({ LIAISON_DATA_DIR: '/x', LIAISON_NAME: 'n' })).toEqual([])
  })

  it('names the variable when an overridden value is invalid', () => {
    expect(problems({ name: 'A' }, { LIAISON_API_PORT: '80a' })).toEqual(['api.port: got "80a" (from LIAISON_API_PORT); expected a number'])
    expect(problems({ name: 'A' }, { LIAISON_LOG_LEVEL: 'loud' })[0]).toMatch(/^logLevel: got "loud" \(from LIAISON_LOG_LEVEL\); expected one of /)
  })
})

describe('shipped examples and documentation', () => {
  it('config/config.example.json and config/policy.example.json are valid', () => {
    expect(parseConfig(read('config/config.example.json'), 'config.example.json').name).toBeTruthy()
    expect(validateNodePolicy(JSON.parse(read('config/policy.example.json')), 'policy.example.json').maxTlpOut).toBeTruthy()
  })

  it('docs/configuration.md documents every config key and every LIAISON_* variable', () => {
    const docs = read('docs/configuration.md')
    for (const path of keyPaths(configSchema.shape)) expect(docs, path).toContain(`\`${path}\``)
    for (const variable of Object.keys(ENV_VARIABLES)) expect(docs, variable).toContain(`\`${variable}\``)
  })

  it('docs/operations.md explains every reason code and every node error code', () => {
    const docs = read('docs/operations.md')
    for (const code of [...Object.keys(REASON_CODES), ...Object.keys(NODE_ERROR_CODES)]) expect(docs, code).toMatch(new RegExp(`\\| \`${code}\` \\|`))
  })

  it('README keeps the two commands on its first lines', () => {
    const head = read('README.md').split('\n').slice(0, 8).join('\n')
    expect(head).toContain('npm ci && npm start')
    expect(head).toContain('npm ci && npm test')
  })

  it('the systemd unit runs the node in the foreground on a fixed data directory', () => {
    const unit = read('config/liaison.service')
    expect(unit).toMatch(/^ExecStart=.*dist\/node\/cli\/liaison\.js start --data-dir \S+/m)
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m)
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m)
  })
})
